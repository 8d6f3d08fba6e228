-- Integration hub: recipient directory, routing decisions, deliveries with every attempt, the
-- pull inbox, the Gewerbe register and the Rückmeldeverfahren between municipalities, tasks.
CREATE TABLE recipients (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  tenant_ags TEXT NOT NULL DEFAULT '',
  kennung TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  connector TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '',
  secret TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT 'xml',
  waived INTEGER NOT NULL DEFAULT 0,
  requested INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX recipients_kind ON recipients(kind);
CREATE TABLE recipient_areas (
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  area TEXT NOT NULL,
  PRIMARY KEY (recipient_id, area)
);
CREATE INDEX recipient_areas_area ON recipient_areas(area);
CREATE TABLE recipient_tokens (
  token_id TEXT PRIMARY KEY REFERENCES api_tokens(id),
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  created_at TEXT NOT NULL
);
CREATE TABLE routing_decisions (
  submission_id TEXT NOT NULL REFERENCES submissions(id),
  tenant_ags TEXT NOT NULL,
  kind TEXT NOT NULL,
  selected INTEGER NOT NULL,
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  recipient_id TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (submission_id, kind)
);
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
  idempotency_key TEXT NOT NULL UNIQUE,
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
CREATE INDEX deliveries_submission ON deliveries(submission_id);
CREATE INDEX deliveries_office ON deliveries(office_ags, status, created_at);
CREATE INDEX deliveries_status ON deliveries(status, created_at);
CREATE TABLE delivery_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id),
  n INTEGER NOT NULL,
  at TEXT NOT NULL,
  connector TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  http_status INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  body_sha256 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, n);
CREATE TABLE inbox (
  delivery_id TEXT PRIMARY KEY REFERENCES deliveries(id),
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  offered_at TEXT NOT NULL,
  lease_id TEXT NOT NULL DEFAULT '',
  lease_until TEXT NOT NULL DEFAULT '',
  fetches INTEGER NOT NULL DEFAULT 0,
  acked_at TEXT NOT NULL DEFAULT '',
  acked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbox_waiting ON inbox(recipient_id, acked_at, offered_at);
CREATE TABLE gewerbe_register (
  tenant_ags TEXT NOT NULL,
  gewerbebetrieb_id TEXT NOT NULL,
  submission_id TEXT NOT NULL REFERENCES submissions(id),
  art TEXT NOT NULL,
  active INTEGER NOT NULL,
  site_key TEXT NOT NULL DEFAULT '',
  person_key TEXT NOT NULL DEFAULT '',
  name_key TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_ags, gewerbebetrieb_id)
);
CREATE INDEX gewerbe_register_site ON gewerbe_register(tenant_ags, site_key);
CREATE TABLE rueckmeldungen (
  id TEXT PRIMARY KEY,
  from_submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id),
  from_ags TEXT NOT NULL,
  to_ags TEXT NOT NULL,
  status TEXT NOT NULL,
  abmeldung_submission_id TEXT NOT NULL DEFAULT '',
  register_submission_id TEXT NOT NULL DEFAULT '',
  task_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX rueckmeldungen_to ON rueckmeldungen(to_ags, created_at);
CREATE INDEX rueckmeldungen_from ON rueckmeldungen(from_ags, created_at);
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  tenant_ags TEXT NOT NULL,
  office_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  submission_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  unique_key TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  done_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_tenant ON tasks(tenant_ags, status, created_at);
