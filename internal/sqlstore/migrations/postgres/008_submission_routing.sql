-- The routing decisions of a submission (about 15: selected and excluded, with rule and
-- reason) are written once in the submit transaction and always read together, in decision
-- order. One row per submission holding them as a JSON array replaces one row per decision:
-- one row and one index entry per submission instead of about fifteen of each.
CREATE TABLE submission_routing (
  submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
  tenant_ags TEXT NOT NULL,
  decisions TEXT NOT NULL,
  created_at TEXT NOT NULL
);
INSERT INTO submission_routing (submission_id, tenant_ags, decisions, created_at)
SELECT submission_id, MIN(tenant_ags),
  json_agg(json_build_object('kind', kind, 'selected', selected = 1,
    'rule', rule, 'reason', reason, 'version', rule_version, 'recipient', recipient_id) ORDER BY position)::text,
  MIN(created_at)
FROM routing_decisions GROUP BY submission_id;
DROP TABLE routing_decisions;
