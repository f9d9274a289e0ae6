ALTER TABLE articles DROP COLUMN correction_count;
