-- ccrm schema, migration 080: a mail that came in is on the timeline as its sender's.
--
-- The mail paths (ccrm --mail-in, --import-mail) store a mail in the name of whoever runs them:
-- the MTA's role, or the administrator who imported a mailbox. Timelines and the Leads list's
-- latest activity named that role ("root (admin) email in: Pricing for 40 seats"), as if a
-- colleague had written to the customer. They now name the sender
-- (ccrm_ix_who(), schema/functions/90_mail.sql); interactions.created_by and the
-- audit still say who stored it. The client's queries name the function, so this version is
-- what clients ask for.
SELECT 1;
