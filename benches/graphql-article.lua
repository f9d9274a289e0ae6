-- wrk script: one GraphQL query for a single article with its relations.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ article(slug: \\"generated-4242\\") { title bodyHtml publishedAt tags { slug name } authors { name } section { name } } }"}'
