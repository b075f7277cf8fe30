-- ccrm schema, migration 044: two indexes fewer on the inbox, which every notice writes to
-- (a routed ticket, an assignment, a mention, an SLA warning: docs/performance.md, "The routed
-- ticket insert").
--
-- inbox_search_trgm_idx (013): every search of the Inbox is a search of one person's own lines
-- (the list's rows are `inbox WHERE login = current_user`), which inbox_login_idx walks in
-- order with the folded text included (an index-only walk, or the Inbox's search blocks); the
-- trigram index of everybody's lines was never the cheaper way to them, and it cost each new
-- line 0.24 M instructions (a sixth of what telling a routed ticket's person costs) plus the
-- merging of its pending list later.
--
-- inbox_from_idx (014): (from_login, login, created_at) answers what 028's
-- inbox_sender_recent_idx (login, from_login, created_at) answers, the bound of notices per
-- sender and recipient; no statement asks for a sender's lines alone without their ids.
DROP INDEX inbox_search_trgm_idx;
DROP INDEX inbox_from_idx;
