-- ccrm schema, migration 092: business hours that end in the hour a clock change skips count
-- once.
--
-- A calendar's spans are its hours of each day turned into UTC (ccrm_calendar_build). Hours
-- ending in the hour the spring change skips ("sun 01:00-02:30, 03:00-05:00" in Europe/Berlin:
-- 02:30 does not exist, PostgreSQL reads it as 01:30 UTC, after 03:00's 01:00 UTC) made two
-- spans that overlapped: the day counted 210 business minutes where it has 180, and a due time
-- came 30 minutes early. A span now starts no earlier than those before it end. The spans of
-- every calendar are built again here.
SELECT ccrm_calendar_build(c.id) FROM calendars c ORDER BY c.id;
