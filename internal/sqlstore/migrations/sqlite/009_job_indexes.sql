-- Performance (issue 6): the job indexes hold only the rows their queries look for. Every
-- submission enqueues about eight delivery jobs, and each job is inserted, claimed and
-- completed once; with (state, …) indexes over all rows each of those steps moved the row
-- in two indexes, and finished jobs stayed in both. Partial indexes per state cost one
-- index entry per step: queued jobs by due time (claim), running jobs by lease (claim of
-- expired leases), finished jobs by finish time (purge), dead letters (counts).
DROP INDEX jobs_ready;
DROP INDEX jobs_lease;
CREATE INDEX jobs_ready ON jobs(run_at) WHERE state = 'queued';
CREATE INDEX jobs_lease ON jobs(locked_until) WHERE state = 'running';
CREATE INDEX jobs_done ON jobs(updated_at) WHERE state = 'done';
CREATE INDEX jobs_dead ON jobs(updated_at) WHERE state = 'dead';
