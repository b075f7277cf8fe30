-- ccrm functions: mailing a quote or an invoice to the customer (docs/billing.md, "Sending a
-- document"; migration 026). The client renders the documents (the PDF with cairo, the UBL
-- e-invoice with libxml2) and hands their bytes to ccrm_billing_send(), which decides
-- everything else here, for every caller alike (`:send` in the client, `ccrm --send`, psql).
-- ccrm_set_execute() below a function says who may call it.

-- Where a document's mail goes unless someone names an address: a quote's contact; an invoice's
-- buyer contact and e-mail as frozen on it, else its contact's. "Name" <address>, or NULL when
-- there is none (the client then asks for one). Read with the caller's rights.
CREATE OR REPLACE FUNCTION ccrm_billing_mail_to(p_entity text, p_id bigint) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_entity = 'quotes' THEN
        RETURN (SELECT ccrm_mail_format_addr(concat_ws(' ', c.first_name, c.last_name),
                                             nullif(btrim(c.email), ''))
                  FROM quotes q JOIN contacts c ON c.id = q.contact_id WHERE q.id = p_id);
    ELSIF p_entity = 'invoices' THEN
        RETURN (SELECT coalesce(ccrm_mail_format_addr(i.buyer_contact,
                                                      nullif(btrim(i.buyer_email), '')),
                                ccrm_mail_format_addr(concat_ws(' ', c.first_name, c.last_name),
                                                      nullif(btrim(c.email), '')))
                  FROM invoices i LEFT JOIN contacts c ON c.id = i.contact_id WHERE i.id = p_id);
    END IF;
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Send a quote or an invoice (or credit note) by e-mail: in one transaction, as the caller
--   * the mail is committed to the outbox (status queued, sent by ccrm --send-mail or the
--     client's sender like every answer) with the attachments given (p_names, p_types,
--     p_contents: the PDF, and for an invoice its e-invoice), filed on the document
--     (messages.quote_id or invoice_id), its account, contact and deal;
--   * it is a timeline entry: an interaction (kind and channel email, direction out) on the
--     account, contact and deal, in the caller's name;
--   * a draft quote becomes sent (its rules: lines and a validity date not past, the caller
--     may write quotes); an invoice must be issued (a draft has no number and may change).
--   to:      p_to, else ccrm_billing_mail_to() (refused when neither has an address)
--   queue:   p_queue, else the active queue named billing (invoices) or sales (quotes), else
--            the other of the two, else the first active queue that makes leads, else the first
--   subject: p_subject, else "Invoice 2026-00001", "Credit note CN-2026-00001", "Quote #12"
--            (" rev 2" for a revision) and its title
--   body:    p_body, else a short letter naming the document, its amount and dates, and for
--            an invoice paid or credited in part what was paid and credited and what is open
-- Returns the mail's id. Staff only (partners: 42501 after the visibility check).
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_billing_send(p_entity text, p_id bigint, p_names text[],
                                             p_types text[], p_contents bytea[],
                                             p_to text DEFAULT NULL, p_queue text DEFAULT NULL,
                                             p_subject text DEFAULT NULL,
                                             p_body text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q         mail_queues%ROWTYPE;
    v_noun    text;
    v_pref    text;
    v_status  text;
    v_state   text;
    v_account bigint;
    v_contact bigint;
    v_opp     bigint;
    v_label   text;
    v_title   text;
    v_amount  text;
    v_when    text;
    v_dates   text;
    v_owed    text;
    v_whom    text;
    v_to      text;
    v_subject text;
    v_body    text;
    v_mid     text;
    v_ix      bigint;
    v_id      bigint;
    n         int := coalesce(cardinality(p_names), 0);
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('quotes', 'invoices') THEN
        RAISE EXCEPTION 'cannot send %: quotes and invoices are sent', coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    v_noun := ccrm_entity_noun(p_entity);
    PERFORM ccrm_mail_out_check(p_entity, p_id);
    IF n = 0 THEN
        RAISE EXCEPTION 'a document is sent with its file: a name, a type and the bytes of each'
            USING ERRCODE = '22023';
    END IF;

    IF p_entity = 'quotes' THEN
        SELECT x.status, ccrm_quote_state(x.status, x.valid_until), x.account_id, x.contact_id,
               x.opportunity_id, 'Quote #' || x.id
                   || CASE WHEN x.revision > 1 THEN ' rev ' || x.revision ELSE '' END,
               nullif(btrim(x.title), ''),
               ccrm_fmt_amount(x.gross_total, x.currency),
               '',
               CASE WHEN x.valid_until IS NOT NULL
                    THEN ', valid until ' || to_char(x.valid_until, 'YYYY-MM-DD') ELSE '' END,
               (SELECT nullif(concat_ws(' ', c.first_name, c.last_name), '')
                  FROM contacts c WHERE c.id = x.contact_id)
          INTO v_status, v_state, v_account, v_contact, v_opp, v_label, v_title, v_amount,
               v_when, v_dates, v_whom
          FROM quotes x WHERE x.id = p_id;
        IF v_state IN ('rejected', 'expired') THEN
            RAISE EXCEPTION 'quote #% is %: it is not sent again', p_id, v_state
                USING ERRCODE = '55000', HINT = 'Make a revision (V) and send that.';
        END IF;
        v_pref := 'sales';
    ELSE
        SELECT x.status, ccrm_invoice_state(x.status, x.kind, x.paid_total, x.due_date),
               x.account_id, x.contact_id, x.opportunity_id,
               CASE x.kind WHEN 'credit_note' THEN 'Credit note ' ELSE 'Invoice ' END
                   || coalesce(x.number, '#' || x.id),
               NULL, ccrm_fmt_amount(x.gross_total, x.currency),
               ' of ' || to_char(x.issue_date, 'YYYY-MM-DD'),
               CASE WHEN x.kind = 'invoice'
                    THEN ', due on ' || to_char(x.due_date, 'YYYY-MM-DD') ELSE '' END,
               nullif(btrim(x.buyer_contact), '')
          INTO v_status, v_state, v_account, v_contact, v_opp, v_label, v_title, v_amount,
               v_when, v_dates, v_whom
          FROM invoices x WHERE x.id = p_id;
        -- once something was paid or credited the letter says what is still owed, not the
        -- invoice's full amount (a reminder sent with the full amount asks for too much)
        SELECT CASE
                   WHEN x.kind <> 'invoice' OR x.paid_total + x.credited_total <= 0 THEN NULL
                   WHEN x.status = 'cancelled'
                       THEN E'\nIt has been credited in full (credit notes over '
                            || ccrm_fmt_amount(x.credited_total, x.currency)
                            || E'): nothing is outstanding.\n'
                   ELSE E'\nOf this, ' || concat_ws(' and ',
                            CASE WHEN x.paid_total > 0
                                 THEN ccrm_fmt_amount(x.paid_total, x.currency) || ' has been paid'
                            END,
                            CASE WHEN x.credited_total > 0
                                 THEN ccrm_fmt_amount(x.credited_total, x.currency)
                                      || ' credited' END)
                        || CASE WHEN x.status = 'paid'
                                THEN E': it is paid in full, nothing is outstanding.\n'
                                ELSE '; still outstanding: '
                                     || ccrm_fmt_amount(x.gross_total - x.paid_total
                                                        - x.credited_total, x.currency)
                                     || coalesce(', due on ' || to_char(x.due_date, 'YYYY-MM-DD'), '')
                                     || E'.\n' END
               END
          INTO v_owed
          FROM invoices x WHERE x.id = p_id;
        IF v_owed IS NOT NULL THEN
            v_dates := '';  -- the due date goes with what is still owed
        END IF;
        IF v_status = 'draft' THEN
            RAISE EXCEPTION 'invoice #% is a draft: issue it before sending it', p_id
                USING ERRCODE = '55000', HINT = 'N (:issue) gives it its number.';
        END IF;
        v_pref := 'billing';
    END IF;

    v_to := coalesce(nullif(btrim(p_to), ''), ccrm_billing_mail_to(p_entity, p_id));
    IF nullif(btrim(p_to), '') IS NOT NULL AND v_to !~ '@' THEN
        RAISE EXCEPTION '"%" is not an e-mail address', v_to USING ERRCODE = '22023';
    END IF;
    IF v_to IS NULL OR v_to !~ '@' THEN
        RAISE EXCEPTION '% #% has no contact with an e-mail address', v_noun, p_id
            USING ERRCODE = '55000', HINT = 'Name the address it goes to.';
    END IF;
    IF v_to ~ '[[:cntrl:]]' OR coalesce(p_subject, '') ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'addresses and subject are one line each' USING ERRCODE = '22023';
    END IF;

    IF p_queue IS NOT NULL THEN
        SELECT * INTO q FROM mail_queues x WHERE x.name = lower(btrim(p_queue)) AND x.active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no active mail queue "%"', p_queue USING ERRCODE = '22023';
        END IF;
    ELSE
        SELECT * INTO q FROM mail_queues x
         WHERE x.active
         ORDER BY x.name = v_pref DESC, x.name IN ('billing', 'sales') DESC,
                  x.creates = 'lead' DESC, x.id
         LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mail queue to send from'
                USING ERRCODE = '55000', HINT = 'An admin creates one: see docs/mail.md.';
        END IF;
    END IF;

    v_subject := coalesce(nullif(btrim(p_subject), ''),
                          v_label || coalesce(': ' || v_title, ''));
    v_body := coalesce(nullif(btrim(p_body), ''),
                       'Dear ' || coalesce(v_whom, 'Sir or Madam') || E',\n\n'
                       || 'please find attached our ' || lower(left(v_label, 1))
                       || substr(v_label, 2) || coalesce(' (' || v_title || ')', '')
                       || coalesce(v_when, '') || ' over ' || v_amount || v_dates || E'.\n'
                       || coalesce(v_owed, '')
                       || CASE WHEN n > 1 AND p_entity = 'invoices'
                               THEN E'The e-invoice (UBL 2.1, EN 16931) is attached as XML.\n'
                               ELSE '' END
                       || E'\nKind regards\n' || coalesce(q.from_name, q.address) || E'\n');

    -- a draft quote goes out now: sent (its trigger checks lines and validity, and the grant
    -- says whether the caller may write quotes)
    IF p_entity = 'quotes' AND v_status = 'draft' THEN
        UPDATE quotes SET status = 'sent' WHERE id = p_id;
    END IF;

    v_mid := 'ccrm.' || replace(gen_random_uuid()::text, '-', '') || '@'
             || split_part(q.address, '@', 2);
    INSERT INTO interactions (kind, channel, direction, subject, body, at, account_id,
                              contact_id, opportunity_id)
    VALUES ('email', 'email', 'out', left(v_subject, 500), ccrm_mail_excerpt(v_body), now(),
            v_account, v_contact, v_opp)
    RETURNING id INTO v_ix;
    -- filed on the document first: a partner sees the mail (and its files) exactly when it
    -- sees the document (migration 062), whatever account its contact or deal is on
    INSERT INTO messages (message_id, queue_id, direction, status, from_addr, from_name,
                          reply_to, to_addr, subject, body_text, next_attempt_at, contact_id,
                          account_id, opportunity_id, interaction_id, quote_id, invoice_id)
    VALUES (v_mid, q.id, 'out', 'queued', lower(q.address), q.from_name, q.reply_to, v_to,
            v_subject, v_body, now(), v_contact, v_account, v_opp, v_ix,
            CASE WHEN p_entity = 'quotes' THEN p_id END,
            CASE WHEN p_entity = 'invoices' THEN p_id END)
    RETURNING id INTO v_id;
    PERFORM ccrm_mail_out_attach(v_id, p_names, p_types, p_contents);
    PERFORM pg_notify('ccrm', '');
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_billing_send(text,bigint,text[],text[],bytea[],text,text,text,text)',
                        'ccrm_internal', 'ccrm_partner');
