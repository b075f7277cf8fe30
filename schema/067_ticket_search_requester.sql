-- ccrm schema, migration 067: a ticket is found by its requester's name.
--
-- Support looks for "Müller's tickets" by typing müller; the Tickets search matched the subject
-- and the account's name only. It now also matches the requester (the ticket's contact: its
-- name and address, the contacts' search column and trigram index), through a sub-select as
-- the account's name is (src/model/entity.c, the Tickets list's search), so a contact renamed
-- is found by the new name at once and no ticket row is written when a contact changes.
-- The search blocks know only the tickets' own text: when a contact matches, every block may
-- hold a match, and the search walks as it does when an account matches (match_elsewhere).
UPDATE search_block_lists
   SET match_elsewhere =
       'EXISTS (SELECT 1 FROM public.accounts x WHERE x.search LIKE public.ccrm_fold($1))'
       ' OR EXISTS (SELECT 1 FROM public.contacts y WHERE y.search LIKE public.ccrm_fold($1))'
 WHERE list = 'tickets_updated';
