//! What a GraphQL document may ask for, checked right after parsing and
//! before validation.
//!
//! async-graphql's parse step (its recursion-depth check) and validation
//! (complexity, depth, field merging) walk the document with every fragment
//! spread expanded in place: 24 fragments that
//! each spread the previous one twice make 2^24 visits, seconds of CPU for a
//! 1 KB request. Here each fragment is measured once and its size reused
//! (saturating), so the cost of refusing is linear in the document's text,
//! whatever it expands to. Only documents whose expansion is small reach
//! validation and its complexity limit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, Variables};

/// Fragment definitions a document may carry.
pub const MAX_FRAGMENTS: usize = 32;
/// How deep fragments may spread fragments (GraphiQL's introspection
/// query needs 3).
pub const MAX_SPREAD_DEPTH: u32 = 8;
/// Fields of the document with every fragment expanded.
pub const MAX_FIELDS: u64 = 2_000;
/// Aliased fields, counted expanded: aliases are how one request asks the
/// same costly field many times.
pub const MAX_ALIASES: u64 = 30;
/// `login` fields per operation: one request, one password guess.
pub const MAX_LOGINS: u64 = 1;

/// The document's size, fragments expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    fields: u64,
    aliases: u64,
    logins: u64,
    /// Longest chain of fragment spreads below this point.
    spread_depth: u32,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.logins = self.logins.saturating_add(other.logins);
        self.spread_depth = self.spread_depth.max(other.spread_depth);
    }
}

struct Measure<'d> {
    fragments: &'d HashMap<Name, Positioned<FragmentDefinition>>,
    sizes: HashMap<&'d str, Size>,
    visiting: HashSet<&'d str>,
}

impl<'d> Measure<'d> {
    fn selection_set(&mut self, set: &'d SelectionSet) -> Result<Size, String> {
        let mut size = Size::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let mut s = self.selection_set(&f.selection_set.node)?;
                    s.fields = s.fields.saturating_add(1);
                    s.aliases = s.aliases.saturating_add(u64::from(f.alias.is_some()));
                    s.logins = s.logins.saturating_add(u64::from(f.name.node == "login"));
                    size.add(s);
                }
                Selection::InlineFragment(f) => {
                    let s = self.selection_set(&f.node.selection_set.node)?;
                    size.add(s);
                }
                Selection::FragmentSpread(spread) => {
                    let mut s = self.fragment(spread.node.fragment_name.node.as_str())?;
                    s.spread_depth += 1;
                    size.add(s);
                }
            }
        }
        Ok(size)
    }

    fn fragment(&mut self, name: &str) -> Result<Size, String> {
        if let Some(size) = self.sizes.get(name) {
            return Ok(*size);
        }
        let Some((key, def)) = self.fragments.get_key_value(name) else {
            // Validation names unknown fragments with their position.
            return Ok(Size::default());
        };
        let key = key.as_str();
        if !self.visiting.insert(key) {
            return Err(format!("fragment {name} spreads itself"));
        }
        let size = self.selection_set(&def.node.selection_set.node)?;
        self.visiting.remove(key);
        if size.spread_depth >= MAX_SPREAD_DEPTH {
            return Err(format!(
                "fragments spread fragments more than {MAX_SPREAD_DEPTH} deep"
            ));
        }
        self.sizes.insert(key, size);
        Ok(size)
    }
}

/// Why a document is refused before validation, if it is.
pub fn check(doc: &ExecutableDocument) -> Result<(), String> {
    if doc.fragments.len() > MAX_FRAGMENTS {
        return Err(format!(
            "the document defines {} fragments; at most {MAX_FRAGMENTS} are allowed",
            doc.fragments.len()
        ));
    }
    let mut m = Measure {
        fragments: &doc.fragments,
        sizes: HashMap::new(),
        visiting: HashSet::new(),
    };
    // Unused fragments are measured too: validation walks them as well.
    for name in doc.fragments.keys() {
        m.fragment(name.as_str())?;
    }
    let mut total = Size::default();
    for (_, op) in doc.operations.iter() {
        let size = m.selection_set(&op.node.selection_set.node)?;
        if op.node.ty == OperationType::Mutation && size.logins > MAX_LOGINS {
            return Err(format!(
                "an operation may log in at most {MAX_LOGINS} time; it asks {}",
                size.logins
            ));
        }
        total.add(size);
    }
    for size in m.sizes.values() {
        total.fields = total.fields.max(size.fields);
    }
    if total.fields > MAX_FIELDS {
        return Err(format!(
            "the query selects {} fields once fragments are expanded; at most {MAX_FIELDS} are allowed",
            total.fields
        ));
    }
    if total.aliases > MAX_ALIASES {
        return Err(format!(
            "the query uses {} aliases; at most {MAX_ALIASES} are allowed",
            total.aliases
        ));
    }
    Ok(())
}

/// A NUL character written as a GraphQL string escape in the query text
/// (JSON escapes in the body and variables are refused before this).
fn has_nul_escape(query: &str) -> bool {
    query.contains('\0') || query.to_ascii_lowercase().contains("\\u0000")
}

/// The extension that applies [`check`] to every operation.
pub struct Budget;

impl ExtensionFactory for Budget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BudgetExtension)
    }
}

struct BudgetExtension;

fn refusal(message: String) -> ServerError {
    super::codes::coded(message, "BAD_USER_INPUT")
}

#[async_graphql::async_trait::async_trait]
impl Extension for BudgetExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if has_nul_escape(query) {
            return Err(refusal("the query contains a NUL character".into()));
        }
        // async-graphql's own parse step already walks fragments expanded
        // (its recursion-depth check), so the document is measured on a
        // parse of our own first; parsing is linear in the text.
        if let Ok(doc) = async_graphql::parser::parse_query(query) {
            check(&doc).map_err(refusal)?;
        }
        next.run(ctx, query, variables).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).expect("parses")
    }

    /// 24 fragments, each spreading the previous twice: 2^24 leaves.
    fn explosion(levels: usize) -> String {
        let mut q = String::from("fragment L0 on Tag { name }\n");
        for i in 1..=levels {
            q.push_str(&format!(
                "fragment L{i} on Tag {{ ...L{} ...L{} }}\n",
                i - 1,
                i - 1
            ));
        }
        q.push_str(&format!("{{ tag(slug: \"x\") {{ ...L{levels} }} }}"));
        q
    }

    #[test]
    fn exponential_fragments_are_measured_without_expanding_them() {
        let started = std::time::Instant::now();
        let err = check(&parse(&explosion(24))).expect_err("refused");
        assert!(err.contains("deep"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
        assert!(check(&parse(&explosion(MAX_SPREAD_DEPTH as usize - 1))).is_ok());
        assert!(check(&parse(&explosion(MAX_SPREAD_DEPTH as usize))).is_err());
    }

    #[test]
    fn wide_fragments_are_refused_for_their_expanded_size() {
        let mut q = format!("fragment W on Tag {{ {} }}\n", "name ".repeat(100));
        q.push_str("fragment X on Tag { ...W ...W ...W ...W ...W }\n");
        q.push_str("fragment Y on Tag { ...X ...X ...X ...X ...X }\n");
        q.push_str("{ tag(slug: \"x\") { ...Y } }");
        let err = check(&parse(&q)).expect_err("refused");
        assert!(
            err.contains("2501 fields once fragments are expanded"),
            "{err}"
        );
    }

    #[test]
    fn cycles_aliases_and_logins_are_refused() {
        let cyc =
            "fragment A on Tag { ...B } fragment B on Tag { ...A } { tag(slug: \"x\") { ...A } }";
        assert!(check(&parse(cyc)).expect_err("cycle").contains("itself"));
        let aliases: String = (0..31)
            .map(|i| format!("a{i}: tags {{ edges {{ cursor }} }} "))
            .collect();
        assert!(check(&parse(&format!("{{ {aliases} }}"))).is_err());
        let logins = "mutation { a: login(email: \"a@x.org\", password: \"p\") { accessToken } b: login(email: \"a@x.org\", password: \"q\") { accessToken } }";
        assert!(check(&parse(logins))
            .expect_err("two logins")
            .contains("log in"));
        let one = "mutation { login(email: \"a@x.org\", password: \"p\") { accessToken } }";
        assert!(check(&parse(one)).is_ok());
    }

    #[test]
    fn nul_escapes_in_the_query_text_are_found() {
        assert!(has_nul_escape(r#"{ tag(slug: "a\u0000b") { name } }"#));
        assert!(has_nul_escape(r#"{ tag(slug: "a\U0000b") { name } }"#));
        assert!(!has_nul_escape(r#"{ tag(slug: "ab") { name } }"#));
    }
}
