//! Tracing: a service's span nests under the request's span, though the
//! service runs on the blocking pool (`AppState::run`).

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use newsdesk_api::auth::AuthSettings;
use newsdesk_api::AppState;
use newsdesk_domain::query::Visibility;
use newsdesk_domain::service;
use newsdesk_domain::term::TermKind;
use newsdesk_persistence::test_support::TestDb;
use newsdesk_persistence::Store;
use tracing::field::Field;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// A new span: its name, its parent's name and its fields.
type Seen = (String, Option<String>, String);

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Seen>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.name().to_owned());
        let mut fields = String::new();
        attrs.record(&mut |f: &Field, v: &dyn Debug| {
            fields.push_str(&format!("{}={v:?} ", f.name()));
        });
        if let Ok(mut all) = self.0.lock() {
            all.push((attrs.metadata().name().to_owned(), parent, fields));
        }
    }
}

#[test]
fn service_spans_nest_under_the_request_across_the_blocking_pool() {
    let db = TestDb::sqlite();
    let store = Store::open(&db.url, 2).expect("opens");
    store.migrate().expect("migrates");
    let state = AppState::new(store, "http://x".into(), AuthSettings::for_tests());
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    tracing::subscriber::with_default(subscriber, || {
        actix_web::rt::System::new().block_on(async {
            let request = tracing::info_span!("request");
            let found = tracing::Instrument::instrument(
                state.run(|store| {
                    service::term(store, TermKind::Tag, "nope", Visibility::Staff, None)
                }),
                request,
            )
            .await;
            assert_eq!(found.err().map(|e| e.status.as_u16()), Some(404));
        });
    });
    let spans = spans.0.lock().expect("spans").clone();
    let (_, parent, fields) = spans
        .iter()
        .find(|(name, _, _)| name == "term")
        .unwrap_or_else(|| panic!("no span for the service call in {spans:?}"));
    assert_eq!(parent.as_deref(), Some("request"));
    assert!(
        fields.contains("kind=Tag") && fields.contains("slug=\"nope\""),
        "{fields}"
    );
}
