-- Case work: cases, events, messages, files, participations, decisions, permits, customs
-- indications. One case per submission, at the responsible office (tenant_ags = the office's
-- municipality); every row carries the tenant it belongs to.
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  tenant_ags TEXT NOT NULL REFERENCES tenants(ags),
  office_id TEXT NOT NULL,
  submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id),
  filed_ags TEXT NOT NULL,
  case_type TEXT NOT NULL,
  leistung TEXT NOT NULL,
  reference TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  search_name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  assignee_id TEXT NOT NULL DEFAULT '',
  assignee_name TEXT NOT NULL DEFAULT '',
  due_at TEXT NOT NULL DEFAULT '',
  overdue INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  user_id TEXT NOT NULL DEFAULT '',
  organisation_id TEXT NOT NULL DEFAULT '',
  status_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX cases_office ON cases(tenant_ags, office_id, created_at);
CREATE INDEX cases_user ON cases(user_id);
CREATE INDEX cases_org ON cases(organisation_id);
CREATE TABLE case_events (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  actor_id TEXT NOT NULL DEFAULT '',
  actor_name TEXT NOT NULL DEFAULT '',
  from_status TEXT NOT NULL DEFAULT '',
  to_status TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events(case_id, at);
CREATE TABLE case_messages (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  direction TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  deadline TEXT NOT NULL DEFAULT '',
  answered_at TEXT NOT NULL DEFAULT '',
  author_id TEXT NOT NULL DEFAULT '',
  author_name TEXT NOT NULL DEFAULT '',
  read_at TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, created_at);
CREATE TABLE case_files (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  owner_kind TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX case_files_owner ON case_files(owner_kind, owner_id);
CREATE TABLE participations (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  lead_ags TEXT NOT NULL,
  lead_office_id TEXT NOT NULL,
  lead_office_name TEXT NOT NULL DEFAULT '',
  part_ags TEXT NOT NULL,
  part_office_id TEXT NOT NULL,
  part_office_name TEXT NOT NULL DEFAULT '',
  question TEXT NOT NULL,
  deadline TEXT NOT NULL,
  parts TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  answer TEXT NOT NULL DEFAULT '',
  answered_at TEXT NOT NULL DEFAULT '',
  answered_by_name TEXT NOT NULL DEFAULT '',
  overdue INTEGER NOT NULL DEFAULT 0,
  created_by_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX participations_case ON participations(case_id);
CREATE INDEX participations_office ON participations(part_ags, part_office_id, status);
CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  result TEXT NOT NULL,
  betreff TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT '',
  blob_key TEXT NOT NULL,
  size BIGINT NOT NULL,
  filename TEXT NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  read_at TEXT NOT NULL DEFAULT '',
  read_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_case ON decisions(case_id);
CREATE TABLE permits (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  title TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX permits_case ON permits(case_id);
-- Customs indications: read by the integration hub (sqlstore.ZollIndication) to route a
-- notice to customs as well. One row per submission; reasons is a comma-separated list.
CREATE TABLE zoll_indications (
  submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
  case_id TEXT NOT NULL REFERENCES cases(id),
  tenant_ags TEXT NOT NULL,
  reasons TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL DEFAULT '',
  recorded_at TEXT NOT NULL
);
