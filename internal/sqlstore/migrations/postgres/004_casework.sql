-- Case work: cases, events, participations, messages, decisions (filled in by the case work).
SELECT 1;
