-- Online procedures: service availability, drafts, submissions, documents, idempotency.
CREATE TABLE service_availability (
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  leistung TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_ags, leistung)
);
CREATE TABLE reference_counters (
  tenant_ags TEXT NOT NULL,
  prefix TEXT NOT NULL,
  year INTEGER NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (tenant_ags, prefix, year)
);
CREATE TABLE submissions (
  id TEXT PRIMARY KEY,
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  office_ags TEXT NOT NULL,
  office_id TEXT NOT NULL,
  leistung TEXT NOT NULL,
  form_id TEXT NOT NULL,
  form_version INTEGER NOT NULL,
  art TEXT NOT NULL DEFAULT '',
  reference TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  data TEXT NOT NULL,
  digest TEXT NOT NULL,
  warnings TEXT NOT NULL DEFAULT '[]',
  display_name TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  token_id TEXT NOT NULL DEFAULT '',
  organisation_id TEXT NOT NULL DEFAULT '',
  gewerbebetrieb_id TEXT NOT NULL DEFAULT '',
  office_snapshot TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX submissions_office ON submissions(office_ags, created_at);
CREATE INDEX submissions_tenant ON submissions(tenant_ags, created_at);
CREATE INDEX submissions_user ON submissions(user_id, created_at);
CREATE INDEX submissions_betrieb ON submissions(gewerbebetrieb_id);
CREATE TABLE idempotency_keys (
  principal TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE TABLE documents (
  submission_id TEXT NOT NULL REFERENCES submissions(id),
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (submission_id, name)
);
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  submission_id TEXT NOT NULL DEFAULT '',
  draft_id TEXT NOT NULL DEFAULT '',
  field TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX attachments_submission ON attachments(submission_id);
CREATE INDEX attachments_draft ON attachments(draft_id);
CREATE TABLE drafts (
  id TEXT PRIMARY KEY,
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  leistung TEXT NOT NULL,
  form_id TEXT NOT NULL,
  form_version INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  resume_hash TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL,
  step TEXT NOT NULL DEFAULT '',
  submission_id TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX drafts_user ON drafts(user_id, updated_at);
