-- wrk script: one GraphQL page of 20 articles with their relations.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ articles(first: 20) { edges { cursor node { slug title excerpt publishedAt tags { slug name } authors { name } section { name } } } pageInfo { hasNextPage } } }"}'
