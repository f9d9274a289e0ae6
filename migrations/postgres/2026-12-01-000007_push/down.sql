DROP TABLE rate_counts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP INDEX article_changes_unfired;
ALTER TABLE article_changes DROP COLUMN fired;
ALTER TABLE article_changes DROP COLUMN event;
