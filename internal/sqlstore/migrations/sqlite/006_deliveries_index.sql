-- Every submission inserts about eight deliveries; deliveries_submission duplicated the
-- leading column of UNIQUE (submission_id, recipient_id), which serves the same lookups.
DROP INDEX deliveries_submission;
