DROP FUNCTION related_candidates(bigint[], bigint, bigint[], text, timestamp, bigint, bigint, bigint, bigint[]);
