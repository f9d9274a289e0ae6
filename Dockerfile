# Build: the whole workspace in release mode. SQLite and libpq are bundled,
# so the runtime image needs no database client libraries.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p newsdesk-api \
    && strip target/release/newsdesk

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /data newsdesk \
    && mkdir -p /data && chown newsdesk /data
COPY --from=build /src/target/release/newsdesk /usr/local/bin/newsdesk
USER newsdesk
WORKDIR /data
ENV NEWSDESK_BIND=0.0.0.0:8080 \
    NEWSDESK_DATABASE_URL=sqlite:///data/newsdesk.db \
    NEWSDESK_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["newsdesk"]
CMD ["serve"]
