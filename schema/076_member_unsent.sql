-- ccrm schema, migration 076: a campaign member is "unsent" until something sends to them.
--
-- A member's status defaulted to "sent" (schema/001), so a member added by hand (m), from a
-- segment (A), with psql or by any other writer counted as sent the moment they were added:
-- the campaign's funnel and the campaign_funnel report said mails went out that never did.
-- ccrm sends no campaign mail itself; the mailing tool's report (ccrm --import FILE --into
-- campaign_responses, "sent" or "delivered") or a response recorded by hand (r sent in the
-- client, ccrm_campaign_respond) moves a member to "sent" or further (ccrm_responses_written:
-- "unsent" is rank 0 in ccrm_response_rank, below every response, so any response moves it).
--
-- The members already there keep their status: what they were added as is all that is known
-- of them, and a campaign's history does not change under its owner.
ALTER TABLE campaign_members ALTER COLUMN status SET DEFAULT 'unsent';
ALTER TABLE campaign_members DROP CONSTRAINT campaign_members_status_check;
ALTER TABLE campaign_members ADD CONSTRAINT campaign_members_status_check
    CHECK (status IN ('unsent', 'sent', 'opened', 'clicked', 'replied', 'registered',
                      'converted', 'responded', 'unsubscribed'));
