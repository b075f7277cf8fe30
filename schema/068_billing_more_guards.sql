-- ccrm schema, migration 068: one live invoice per deal, whether it was drafted from the deal or
-- from one of its quotes.
--
-- Migration 063 held one live invoice of a deal's own (not made from a quote) and
-- invoices_quote_live_key one per quote, but nothing held the two apart: a deal invoiced with
-- `ccrm --invoice-from deal N` was invoiced again from its accepted quote (and the other way
-- round), and the customer billed twice for one sale. The index now counts every live invoice
-- of the deal, for every writer, also two made at once; an invoice cancelled by credit notes in
-- full frees the deal again, as it frees a quote. The trigger (ccrm_invoice_rules,
-- schema/functions/91_billing.sql) says it first in words, "deal #N is already invoiced
-- (invoice #M (draft), from quote #Q)", and keeps an invoice of a quote on the quote's deal, so
-- the index sees it.
--
-- A database that has such twins already is not migrated until someone removes the extra
-- drafts or credits the extra issued invoices: which of them the customer should pay is not the
-- migration's to guess. (An invoice of a quote counts for the quote's deal even where it was
-- made without naming the deal.)
DO $$
DECLARE
    v_twins text;
BEGIN
    SELECT string_agg(format('deal #%s: invoices %s', x.deal, x.ids), '; ' ORDER BY x.deal)
      INTO v_twins
      FROM (SELECT coalesce(i.opportunity_id, q.opportunity_id) AS deal,
                   string_agg('#' || i.id, ', ' ORDER BY i.id) AS ids
              FROM invoices i LEFT JOIN quotes q ON q.id = i.quote_id
             WHERE coalesce(i.opportunity_id, q.opportunity_id) IS NOT NULL
               AND i.kind = 'invoice' AND i.status <> 'cancelled'
             GROUP BY 1 HAVING count(*) > 1) x;
    IF v_twins IS NOT NULL THEN
        RAISE EXCEPTION 'deals invoiced more than once: %', v_twins
            USING ERRCODE = '23505',
                  HINT = 'Delete the extra drafts (ccrm_delete(''invoices'', ARRAY[id])) or cancel the extra issued ones with a credit note, then run ccrm --migrate again.';
    END IF;
END
$$;
DROP INDEX invoices_deal_live_key;
CREATE UNIQUE INDEX invoices_deal_live_key ON invoices (opportunity_id)
    WHERE kind = 'invoice' AND status <> 'cancelled';
