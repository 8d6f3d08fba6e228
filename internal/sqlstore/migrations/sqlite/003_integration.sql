-- Integration hub: recipients, routing decisions, deliveries, inbox (filled in by the integration hub work).
SELECT 1;
