-- Performance (issue 6): the claim of jobs whose lease ran out uses an index of its own
-- instead of scanning every job; a version number of the recipient directory lets a process
-- keep the directory in memory and check it with one primary-key read per submission.
CREATE INDEX jobs_lease ON jobs(state, locked_until);
CREATE TABLE directory_versions (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
INSERT INTO directory_versions (name, version) VALUES ('recipients', 1);
