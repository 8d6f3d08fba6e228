-- Foundation: tenants, offices, identity, sessions, tokens, audit, jobs.
CREATE TABLE tenants (
  ags TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kreis TEXT NOT NULL,
  plz TEXT NOT NULL,
  einwohner INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE tenant_plz (
  plz TEXT NOT NULL,
  ags TEXT NOT NULL REFERENCES tenants(ags),
  PRIMARY KEY (plz, ags)
);
CREATE TABLE offices (
  id TEXT PRIMARY KEY,
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  strasse TEXT NOT NULL DEFAULT '',
  plz TEXT NOT NULL DEFAULT '',
  ort TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  telefon TEXT NOT NULL DEFAULT '',
  oeffnungszeiten TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_ags, kind)
);
CREATE TABLE delegations (
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  office_kind TEXT NOT NULL,
  delegate_ags TEXT NOT NULL REFERENCES tenants(ags),
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_ags, office_kind)
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  trust_level TEXT NOT NULL DEFAULT 'basis',
  email_verified_at TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  lang TEXT NOT NULL DEFAULT 'de',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE organisation_members (
  organisation_id TEXT NOT NULL REFERENCES organisations(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (organisation_id, user_id)
);
CREATE TABLE staff_roles (
  user_id TEXT NOT NULL REFERENCES users(id),
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  office_id TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, tenant_ags, office_id, role)
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL DEFAULT '',
  csrf TEXT NOT NULL,
  lang TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE email_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  purpose TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  tenant_ags TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE login_attempts (
  key TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts(key, at);
CREATE TABLE audit_head (
  id BIGINT PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  tenant_ags TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_ags, seq);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  tenant_ags TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  run_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 25,
  locked_by TEXT NOT NULL DEFAULT '',
  locked_until TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  unique_key TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key);
CREATE INDEX jobs_ready ON jobs(state, run_at);
CREATE TABLE platform_keys (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL
);
