# Build: the whole workspace in release mode. SQLite and libpq are bundled,
# so the runtime image needs no database client libraries.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p newsdesk-api \
    && strip target/release/newsdesk

# The reader example (examples/reader), built to static files for
# `serve --site`. esbuild runs without its install script, so none run.
FROM node:20-bookworm-slim AS reader
WORKDIR /src
COPY package.json package-lock.json ./
COPY clients/typescript clients/typescript
COPY examples/reader examples/reader
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /data newsdesk \
    && mkdir -p /data && chown newsdesk /data
COPY --from=build /src/target/release/newsdesk /usr/local/bin/newsdesk
COPY --from=reader /src/examples/reader/dist /usr/local/share/newsdesk/reader
USER newsdesk
WORKDIR /data
ENV NEWSDESK_BIND=0.0.0.0:8080 \
    NEWSDESK_DATABASE_URL=sqlite:///data/newsdesk.db \
    NEWSDESK_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["newsdesk"]
CMD ["serve"]
