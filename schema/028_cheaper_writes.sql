-- ccrm schema, migration 028: cheaper writes after responsibility and time (docs/performance.md,
-- "Writes"). The functions changed are in schema/functions/ (90_service.sql: followers,
-- inbox delivery, routing, SLA clocks; 80_search.sql: the search blocks' queue); this holds
-- what they need in the tables.
--
-- The notification bound (one sender reaches one person at most 30 times in ten minutes,
-- ccrm_inbox_deliver) counted the sender's recent entries by walking every entry the person
-- ever had (inbox_login_idx): a cost that grows with the inbox, on every notice. With this
-- index it reads at most the 30 entries it counts.
CREATE INDEX inbox_sender_recent_idx ON inbox (login, from_login, created_at)
    WHERE from_login IS NOT NULL;
