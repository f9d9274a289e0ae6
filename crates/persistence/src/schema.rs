//! One schema for both backends: only types SQLite and PostgreSQL share.

diesel::table! {
    terms (id) {
        id -> BigInt,
        kind -> Text,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        subtitle -> Nullable<Text>,
        excerpt -> Text,
        body_source -> Text,
        body_format -> Text,
        body_html -> Text,
        body_text -> Text,
        status -> Text,
        section_id -> Nullable<BigInt>,
        published_at -> Nullable<Timestamp>,
        sort_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        canonical_url -> Nullable<Text>,
        image_url -> Nullable<Text>,
        image_alt -> Nullable<Text>,
        image_caption -> Nullable<Text>,
        source_name -> Nullable<Text>,
        source_url -> Nullable<Text>,
        language -> Text,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        contact_email -> Nullable<Text>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        comments_closed -> Bool,
        comment_count -> BigInt,
        correction_count -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        author_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        disabled -> Bool,
        token_generation -> Integer,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> Integer,
        snapshot -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        rate_limit_per_minute -> Integer,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        policy -> Nullable<Text>,
    }
}

diesel::table! {
    article_corrections (id) {
        id -> BigInt,
        article_id -> BigInt,
        text -> Text,
        published_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_changes (seq) {
        seq -> BigInt,
        article_id -> BigInt,
        slug -> Text,
        kind -> Text,
        changed_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        event -> Nullable<Text>,
        fired -> Bool,
        comment_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author_name -> Text,
        author_email -> Nullable<Text>,
        body -> Text,
        status -> Text,
        client -> Text,
        created_at -> Timestamp,
        moderated_at -> Nullable<Timestamp>,
        moderated_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    page_views (article_id, bucket, span) {
        article_id -> BigInt,
        bucket -> BigInt,
        span -> Integer,
        views -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        kind -> Text,
        url -> Text,
        events -> Text,
        secret -> Nullable<Text>,
        topic -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        last_success_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_seq -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_terms (article_id, term_id) {
        article_id -> BigInt,
        term_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    article_vectors (article_id) {
        article_id -> BigInt,
        term_vector -> Text,
        recipe -> Integer,
    }
}

diesel::joinable!(article_terms -> articles (article_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(article_vectors -> articles (article_id));
diesel::joinable!(article_terms -> terms (term_id));
diesel::joinable!(articles -> terms (section_id));

diesel::allow_tables_to_appear_in_same_query!(
    terms,
    articles,
    article_terms,
    article_vectors,
    users,
    article_revisions,
    api_keys,
    article_corrections,
    article_changes,
    webhooks,
    webhook_deliveries,
    comments,
    page_views
);
