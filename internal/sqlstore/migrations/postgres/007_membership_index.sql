-- Every request with a session reads the user's organisations by user; the primary key of
-- organisation_members starts with the organisation, so that read scanned the table.
CREATE INDEX organisation_members_user ON organisation_members(user_id);
