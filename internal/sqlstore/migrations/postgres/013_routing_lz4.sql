-- A submission's routing decisions (about 15, each with its reason in words) are some 4 kB of
-- JSON, above PostgreSQL's TOAST threshold, so every submit compressed them with pglz inside
-- the serial group commit: the routing row's INSERT took 35 µs, more than the submission's
-- (pg_stat_statements). lz4, as for message bodies and notices (migration 011), compresses
-- them about as well at a fraction of the time. Only new values are compressed with lz4; a
-- server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE submission_routing ALTER COLUMN decisions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not supported by this server; routing decisions stay compressed with pglz';
END
$$;
