-- Deliveries without a UNIQUE index on idempotency_key. The key is derived from the
-- submission and the recipient (delivery.IdempotencyKey), a pair that is unique already
-- (UNIQUE (submission_id, recipient_id)); its own index put every new delivery at a random
-- place of one more B-tree — with delivery ids that were random too, the two indexes made
-- each commit write pages all over the file as the table grew (10 s bench: 851 → about
-- 1,450 submissions/s with time-ordered delivery ids and without this index).
--
-- SQLite cannot drop a column constraint, so the table is rebuilt. Foreign keys are on and
-- the migration runs in one transaction: the rows that refer to deliveries are set aside and
-- put back, so no constraint is violated at any moment.
CREATE TEMP TABLE m010_deliveries AS SELECT * FROM deliveries;
CREATE TEMP TABLE m010_attempts AS SELECT * FROM delivery_attempts;
CREATE TEMP TABLE m010_inbox AS SELECT * FROM inbox;
DELETE FROM delivery_attempts;
DELETE FROM inbox;
DROP TABLE deliveries;
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  submission_id TEXT NOT NULL REFERENCES submissions(id),
  tenant_ags TEXT NOT NULL,
  office_ags TEXT NOT NULL,
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  kind TEXT NOT NULL,
  connector TEXT NOT NULL,
  endpoint_override TEXT NOT NULL DEFAULT '',
  connector_override TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  job_id TEXT NOT NULL DEFAULT '',
  next_attempt_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT NOT NULL,
  message_uuid TEXT NOT NULL,
  batch TEXT NOT NULL DEFAULT '',
  due_at TEXT NOT NULL DEFAULT '',
  window_start TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  body_sha256 TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (submission_id, recipient_id)
);
INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, endpoint_override, connector_override,
  status, attempts, job_id, next_attempt_at, last_error, delivered_at, idempotency_key, message_uuid, batch, due_at, window_start,
  content_type, body, body_sha256, created_at, updated_at)
SELECT id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, endpoint_override, connector_override,
  status, attempts, job_id, next_attempt_at, last_error, delivered_at, idempotency_key, message_uuid, batch, due_at, window_start,
  content_type, body, body_sha256, created_at, updated_at
FROM m010_deliveries;
CREATE INDEX deliveries_office ON deliveries(office_ags, status, created_at);
CREATE INDEX deliveries_status ON deliveries(status, created_at);
INSERT INTO delivery_attempts (id, delivery_id, n, at, connector, endpoint, outcome, error, http_status, duration_ms, body_sha256)
SELECT id, delivery_id, n, at, connector, endpoint, outcome, error, http_status, duration_ms, body_sha256 FROM m010_attempts;
INSERT INTO inbox (delivery_id, recipient_id, offered_at, lease_id, lease_until, fetches, acked_at, acked_by)
SELECT delivery_id, recipient_id, offered_at, lease_id, lease_until, fetches, acked_at, acked_by FROM m010_inbox;
DROP TABLE m010_deliveries;
DROP TABLE m010_attempts;
DROP TABLE m010_inbox;
