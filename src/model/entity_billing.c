/* The back office's entries of the entity registry (include/ccrm/entity.h, docs/billing.md):
 * products, quotes and their lines, invoices and credit notes. Apart from src/model/entity.c
 * only so that the registry's file stays readable; entity_registry[] there names them. The
 * choices match the CHECKs of schema/020_back_office.sql, the sort orders its indexes. What is
 * computed (amounts, totals, numbers, statuses after sending or issuing) is no field: the
 * database computes it and nobody may write it. */
#include "ccrm/entity.h"
#include "entity_sql.h"

#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* a document's customer: required, but a quote's deal fills it in (ccrm_doc_account) */
#define ACCOUNT_REF_FIELD                                                                          \
    {                                                                                              \
        .column = "account_id", .label = "Account", .type = FIELD_REF, .ref = "accounts",          \
        .maxlen = 200, .csv = "account", .synonyms = "accountname|customer"                        \
    }

/* ---- SQL shared by the lists and the detail views ---- */

/* an invoice's state as people see it (ccrm_invoice_state: overdue and partly paid computed) */
#define INV_STATE(x)                                                                               \
    "ccrm_invoice_state(" x ".status, " x ".kind, " x ".paid_total, " x ".due_date)"
/* ...in words ("partly paid"); an issued credit note is "credit": it is owed to the customer */
#define INV_STATE_WORDS(x)                                                                         \
    "CASE WHEN " x ".kind = 'credit_note' AND " x ".status = 'issued' THEN 'credit'"               \
    " ELSE replace(" INV_STATE(x) ", '_', ' ') END"
/* its gross amount, a credit note's negative: money going back, not money owed */
#define INV_GROSS(x)                                                                               \
    "CASE " x ".kind WHEN 'credit_note' THEN -" x ".gross_total ELSE " x ".gross_total END"
/* its net or tax total (col) the same way: a credit note's detail shows all three negative */
#define INV_SIGNED(x, col)                                                                         \
    "CASE " x ".kind WHEN 'credit_note' THEN -" x "." col " ELSE " x "." col " END"
#define QUOTE_STATE(x) "ccrm_quote_state(" x ".status, " x ".valid_until)"
/* an amount in its currency's minor unit, with thousands separators */
#define AMOUNT(v, cur)                                                                             \
    "to_char(" v ", 'FM999G999G999G999G999G999G999G999G990' || CASE ccrm_minor_units(" cur ")"     \
    " WHEN 0 THEN '' ELSE 'D' || repeat('0', ccrm_minor_units(" cur ")) END) || ' ' || " cur
/* a quantity or a percentage without trailing zeros: 12.5, 19 */
#define NUM(x) "rtrim(rtrim(to_char(" x ", 'FM999G999G999G999G990D999'), '0'), '.')"
/* a price: its currency's decimals (none for yen), up to four when it has more */
#define PRICE(x, cur)                                                                              \
    "CASE WHEN " x " = round(" x ", ccrm_minor_units(" cur ")) THEN to_char(" x ", "               \
    "'FM999G999G999G999G990' || CASE ccrm_minor_units(" cur ") WHEN 0 THEN '' ELSE 'D' || "        \
    "repeat('0', ccrm_minor_units(" cur ")) END) ELSE rtrim(to_char(" x ", "                       \
    "'FM999G999G999G999G990D0000'), '0') END"
/* what a document is called: its number once issued, else "draft #12" */
#define INV_LABEL(x)                                                                               \
    "coalesce(" x ".number, CASE " x ".kind WHEN 'credit_note' THEN 'draft CN #'"                  \
    " ELSE 'draft #' END || " x ".id)"

/* the mails that sent a quote or an invoice (messages.quote_id, invoice_id: migration 026),
 * as a branch of its timeline; Enter opens the mail's timeline entry */
#define DOC_MAIL(col)                                                                              \
    "(SELECT m.received_at, m.created_by, 'email out: ' || m.subject || ' → ' || m.to_addr"      \
    " || ' [' || m.status || ']', 'interactions'::text, m.interaction_id FROM messages m"          \
    " WHERE m." col " = $1 AND m.interaction_id IS NOT NULL)"

/* a quote's or an invoice's line after the document it is on: said once for both (the
 * columns' scales: a quantity's 3 decimals, a price's 4, percentages at most 100). What the
 * line is refused without is required; the quantity and discount start at the database's
 * defaults, and a new line's product fills in the description, price and tax rate left empty
 * (ccrm_line_fill), so the form requires them only when no product is chosen
 * (filled_by). The position is the next one when left empty. */
/* clang-format off */
#define LINE_FIELDS                                                                                \
    {.column = "product_id", .label = "Product", .type = FIELD_REF, .ref = "products",            \
     .maxlen = 200},                                                                               \
    {.column = "description", .label = "Description", .type = FIELD_TEXT, .required = 1,           \
     .maxlen = 500, .filled_by = "product_id"},                                                    \
    {.column = "quantity", .label = "Quantity", .type = FIELD_AMOUNT, .decimals = 3, .min = -1,    \
     .required = 1, .def = "1"},                                                                   \
    {.column = "unit_price", .label = "Unit price", .type = FIELD_AMOUNT, .decimals = 4,           \
     .required = 1, .filled_by = "product_id"},                                                    \
    {.column = "discount_pct", .label = "Discount %", .type = FIELD_AMOUNT, .max = 100,            \
     .required = 1, .def = "0", .sqldef = "0"},                                                    \
    {.column = "tax_rate", .label = "Tax rate %", .type = FIELD_AMOUNT, .max = 100,                \
     .required = 1, .filled_by = "product_id"},                                                    \
    {.column = "position", .label = "Position", .type = FIELD_INT, .min = 1, .max = 100000}
/* clang-format on */

/* ---- products ---- */

static const char *const bool_choices[] = {"true", "false", NULL};
/* the states people see (ccrm_quote_state, ccrm_invoice_state): the status filters' values */
static const char *const quote_states[] = {"draft",    "sent",    "accepted",
                                           "rejected", "expired", NULL};
static const char *const invoice_states[] = {"draft", "issued",    "partly_paid", "overdue",
                                             "paid",  "cancelled", NULL};

static const struct entity_field product_fields[] = {
    {.column = "sku",
     .label = "SKU",
     .type = FIELD_TEXT,
     .required = 1,
     .maxlen = 64,
     .synonyms = "articlenumber|article|itemnumber|productcode|code|artikelnummer"},
    {.column = "name",
     .label = "Name",
     .type = FIELD_TEXT,
     .required = 1,
     .maxlen = 200,
     .synonyms = "productname|title|bezeichnung"},
    {.column = "unit",
     .label = "Unit",
     .type = FIELD_TEXT,
     .required = 1,
     .def = "piece",
     .sqldef = "'piece'",
     .maxlen = 20,
     .synonyms = "uom|einheit"},
    {.column = "unit_price",
     .label = "Net price",
     .type = FIELD_AMOUNT,
     .decimals = 4,
     .required = 1,
     .synonyms = "price|netprice|listprice|preis"},
    {.column = "currency",
     .label = "Currency",
     .type = FIELD_CURRENCY,
     .required = 1,
     .def = "EUR",
     .sqldef = "'EUR'",
     .maxlen = 3,
     .synonyms = "waehrung"},
    {.column = "tax_rate",
     .label = "Tax rate %",
     .type = FIELD_AMOUNT,
     .max = 100,
     .required = 1,
     .def = "19",
     .synonyms = "vat|vatrate|taxrate|mwst|ust"},
    /* an inactive product stays on the documents it is on, and is found last by line forms */
    {.column = "active",
     .label = "Active",
     .type = FIELD_CHOICE,
     .choices = bool_choices,
     .required = 1,
     .def = "true",
     .sqldef = "true"},
    {.column = "description",
     .label = "Description",
     .type = FIELD_MULTILINE,
     .maxlen = 2000,
     .synonyms = "details|beschreibung"},
};

/* active too: an export of the catalogue imported back kept the retired products active */
static const char *const product_exports[] = {
    "sku", "name", "description", "unit", "unit_price", "currency", "tax_rate", "active", NULL};

static const struct entity_column product_cols[] = {
    {.name = "SKU", .sql = "a.sku", .min = 10, .weight = 8, .priority = 1},
    {.name = "Name", .sql = "a.name", .min = 16, .weight = 30, .priority = 1},
    {.name = "Price",
     .sql = "" PRICE("a.unit_price", "a.currency") " || ' ' || a.currency",
     .min = 14,
     .fit = 10, /* a figure: right-aligned, never cut, as every amount of a list */
     .priority = 2},
    {.name = "Unit", .sql = "a.unit", .min = 6, .priority = 4},
    {.name = "Tax",
     .sql = "" NUM("a.tax_rate") " || '%'",
     .min = 6,
     .fit = 10, /* a figure too: 7% under 19% */
     .priority = 3},
    {.name = "Active",
     .sql = "CASE WHEN a.active THEN 'yes' ELSE 'no' END",
     .min = 6,
     .priority = 5},
};

static const struct entity_sort product_sorts[] = {
    {.name = "name", .key = "a.name", .keytype = "text", .index = "products_name_idx"},
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .index = "products_updated_idx"},
};

static const struct entity_filter product_filters[] = {
    {.name = "active", .sql = "a.active::text", .choices = entity_yes_no},
};

static const struct entity_list product_list = {
    .view = "products",
    .title = "Products",
    .from = "products a",
    .base = "products a",
    .search = ENTITY_SEARCH_COLUMN,
    .search_help = "SKU and name",
    .cols = product_cols,
    .ncols = N(product_cols),
    .sorts = product_sorts,
    .nsorts = N(product_sorts),
    .filters = product_filters,
    .nfilters = N(product_filters),
    .rows_are_records = 1,
    .empty = "no products yet: n adds one, ccrm --import products FILE many",
};

static const struct entity_ref product_ref = {
    .from = "products r",
    .key = "r.id::text",
    .label = "r.sku || ' ' || r.name",
    .detail = "" PRICE("r.unit_price",
                       "r.currency") " || ' ' || r.currency || ' / ' || r.unit"
                                     " || CASE WHEN r.active THEN '' ELSE ' (inactive)' END",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.active DESC, r.name, r.id",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field product_detail_fields[] = {
    {"SKU", "sku"},         {"Price", "price"},
    {"Unit", "unit"},       {"Tax rate", "tax_rate"},
    {"Active", "active"},   {"Created", "created"},
    {"Updated", "updated"}, {"Description", "description"},
};
/* the quotes it is on, newest first */
static const struct entity_section product_timeline = {
    .heading = "On quotes",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = "SELECT to_char(" SQL_LOCAL(
        "q.created_at") ", 'YYYY-MM-DD HH24:MI') AS at, q.created_by AS who,"
                        " 'quote #' || q.id || ' ' || coalesce(q.title, '') || ' [' "
                        "|| " QUOTE_STATE("q") " || '] ' || " NUM(
                            "l.quantity") " || ' ' || l.unit AS what,"
                                          " 'quotes' AS entity, q.id FROM quote_lines l "
                                          "JOIN quotes q ON q.id = l.quote_id"
                                          " WHERE l.product_id = $1 ORDER BY "
                                          "q.created_at DESC, q.id DESC" LIMIT_TL,
    .params = {"id"},
};
/* its prices in other currencies, one a line: Enter edits one, L adds one */
static const struct entity_section product_prices_section = {
    .heading = "Prices in other currencies",
    .suffix = "",
    .max = 100,
    .sql = "SELECT '' AS at, '' AS who, x.currency || '  ' || " PRICE(
        "x.unit_price",
        "x.currency") " AS what, 'product_prices' AS entity, x.id"
                      " FROM product_prices x WHERE x.product_id = $1 ORDER BY x.currency"
                      " LIMIT 100",
    .params = {"id"},
};
static const struct entity_detail product_detail = {
    .head =
        "SELECT p.sku || ' ' || p.name AS title,"
        " 'product #' || p.id || ' · ' || " PRICE(
            "p.unit_price",
            "p.currency") " || ' '"
                          " || p.currency || ' / ' || p.unit AS subtitle, p.sku,"
                          " " PRICE(
                              "p.unit_price",
                              "p.currency") " || ' ' || p.currency AS price, p.unit,"
                                            " " NUM("p.tax_rate") " || '%' AS tax_rate,"
                                                                  " CASE WHEN p.active THEN 'yes' "
                                                                  "ELSE 'no' END AS active,"
                                                                  " coalesce((SELECT "
                                                                  "string_agg(" PRICE(
                                                                      "x.unit_price",
                                                                      "x.currency") " || ' '"
                                                                                    "   || "
                                                                                    "x.currency, "
                                                                                    "', ' ORDER "
                                                                                    "BY "
                                                                                    "x.currency) "
                                                                                    "FROM "
                                                                                    "product_"
                                                                                    "prices x"
                                                                                    "   WHERE "
                                                                                    "x.product_"
                                                                                    "id = p.id), "
                                                                                    "'') AS "
                                                                                    "prices,"
                                                                                    " coalesce(p."
                                                                                    "description,"
                                                                                    " '') AS "
                                                                                    "description"
                                                                                    "," STAMPS(
                                                                                        "p") ", "
                                                                                             "NUL"
                                                                                             "L::"
                                                                                             "big"
                                                                                             "int"
                                                                                             " AS"
                                                                                             " ac"
                                                                                             "cou"
                                                                                             "nt_"
                                                                                             "id "
                                                                                             "FRO"
                                                                                             "M "
                                                                                             "pro"
                                                                                             "duc"
                                                                                             "ts "
                                                                                             "p "
                                                                                             "WHE"
                                                                                             "RE "
                                                                                             "p."
                                                                                             "id "
                                                                                             "= "
                                                                                             "$1",
    .fields = product_detail_fields,
    .nfields = N(product_detail_fields),
    .before = &product_prices_section,
    .nbefore = 1,
    .timeline = &product_timeline,
};

const struct entity entity_products = {
    .table = "products",
    .singular = "product",
    .plural = "products",
    .help = "what is sold: SKU, name, unit, net price in a currency, tax rate",
    .fields = product_fields,
    .nfields = N(product_fields),
    .exports = product_exports,
    .dup_key = "sku",
    .dup_word = "SKU",
    .ref = &product_ref,
    .list = &product_list,
    .detail = &product_detail,
    .actions = ENT_EDIT | ENT_HISTORY | ENT_PRICES,
};

/* ---- a product's price in another currency: only a form (the product's detail lists them) */

static const struct entity_field product_price_fields[] = {
    {.column = "product_id",
     .label = "Product",
     .type = FIELD_REF,
     .required = 1,
     .ref = "products",
     .maxlen = 200},
    {.column = "currency", .label = "Currency", .type = FIELD_CURRENCY, .required = 1, .maxlen = 3},
    {.column = "unit_price",
     .label = "Net price",
     .type = FIELD_AMOUNT,
     .decimals = 4,
     .required = 1},
};

static const char *const product_price_new[] = {"price", NULL};

static const struct entity_ref product_price_ref = {
    .from = "product_prices r JOIN products p ON p.id = r.product_id",
    .key = "r.id::text",
    .label = "p.sku || ' ' || r.currency",
    .detail = "" PRICE("r.unit_price", "r.currency") " || ' ' || r.currency",
    .match = "(p.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "p.sku, r.currency",
    .by_key = "r.id = $1::bigint",
};

const struct entity entity_product_prices = {
    .table = "product_prices",
    .singular = "product price",
    .plural = "product prices",
    .help = "a product's net price in another currency (never converted: typed)",
    .fields = product_price_fields,
    .nfields = N(product_price_fields),
    .ref = &product_price_ref,
    .new_words = product_price_new,
};

/* ---- quotes ---- */

static const struct entity_field quote_fields[] = {
    {.column = "title",
     .label = "Title",
     .type = FIELD_TEXT,
     .maxlen = 200,
     .synonyms = "subject|name"},
    {.column = "opportunity_id",
     .label = "Deal",
     .type = FIELD_REF,
     .ref = "opportunities",
     .maxlen = 200,
     .csv = "deal",
     .within = "account_id"},
    ACCOUNT_REF_FIELD,
    {.column = "contact_id",
     .label = "Contact",
     .type = FIELD_REF,
     .ref = "contacts",
     .maxlen = 254,
     .csv = "contact",
     .within = "account_id"},
    {.column = "currency",
     .label = "Currency",
     .type = FIELD_CURRENCY,
     .required = 1,
     .def = "EUR",
     .sqldef = "'EUR'",
     .maxlen = 3},
    {.column = "valid_until", .label = "Valid until", .type = FIELD_DATE},
    {.column = "notes", .label = "Notes", .type = FIELD_MULTILINE, .maxlen = 4000},
    {.column = "owner", .label = "Owner", .type = FIELD_REF, .ref = "users", .maxlen = 63, .me = 1},
};

static const struct entity_column quote_cols[] = {
    {.name = "#",
     .sql = "'#' || a.id || CASE WHEN a.revision > 1 THEN ' r' || a.revision"
            " ELSE '' END",
     .min = 8,
     .priority = 1},
    {.name = "Title", .sql = "coalesce(a.title, '')", .min = 14, .weight = 30, .priority = 1},
    {.name = "Status", .sql = QUOTE_STATE("a"), .min = 8, .priority = 2},
    {.name = "Gross",
     .sql = AMOUNT("a.gross_total", "a.currency"),
     .min = 14,
     .fit = 10,
     .priority = 2},
    {.name = "Account", .sql = "coalesce(acc.name, '')", .min = 12, .weight = 20, .priority = 3},
    {.name = "Valid", .sql = "to_char(a.valid_until, 'YYYY-MM-DD')", .min = 10, .priority = 5},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 6, .priority = 4},
    {.name = "account_id", .sql = "a.account_id::text", .hidden = 1},
};

static const struct entity_sort quote_sorts[] = {
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .blocks = "quotes_updated",
     .index = "quotes_updated_idx"},
    {.name = "newest", .key = "a.id", .keytype = "bigint", .desc = 1, .index = "quotes_pkey"},
};

static const struct entity_filter quote_filters[] = {
    /* as people see it: draft, sent, accepted, rejected, expired (a sent quote past its date) */
    {.name = "status",
     .sql = QUOTE_STATE("a"),
     .is = "ccrm_quote_is(a.status, a.valid_until, ",
     .choices = quote_states},
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
};

/* a quote's or an invoice's account name (a renamed account is repainted) */
static const char *const billing_shows[] = {"accounts", NULL};

static const struct entity_list quote_list = {
    .view = "quotes",
    .title = "Quotes",
    .from = "quotes a LEFT JOIN accounts acc ON acc.id = a.account_id",
    .base = "quotes a",
    .search = "(a.search LIKE ccrm_fold($1) OR a.account_id IN (SELECT x.id FROM accounts x"
              " WHERE x.search LIKE ccrm_fold($1)))",
    .search_help = "title and account",
    .cols = quote_cols,
    .ncols = N(quote_cols),
    .sorts = quote_sorts,
    .nsorts = N(quote_sorts),
    .filters = quote_filters,
    .nfilters = N(quote_filters),
    .rows_are_records = 1,
    .shows = billing_shows,
    .empty = "no quotes yet: :quote on a deal makes one",
};

static const struct entity_ref quote_ref = {
    .from = "quotes r LEFT JOIN accounts a ON a.id = r.account_id",
    .key = "r.id::text",
    .label = "'#' || r.id || ' ' || coalesce(r.title, '')",
    .detail = "concat_ws(' · ', a.name, " QUOTE_STATE("r") ")",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.id DESC",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field quote_detail_fields[] = {
    {"Status", "state"},
    {"Revision", "revision"},
    {"Account", "account_name"},
    {"Deal", "deal_name"},
    {"Contact", "contact_name"},
    {"Valid until", "valid_until"},
    {"Net", "net"},
    {"Tax", "tax"},
    {"Gross", "gross"},
    {"Owner", "owner"},
    {"Created", "created"},
    {"Updated", "updated"},
    {"Notes", "notes"},
};
static const struct entity_related quote_related[] = {
    {"account", "account_name", "accounts", "account_id"},
    {"deal", "deal_name", "opportunities", "opportunity_id"},
    {"contact", "contact_name", "contacts", "contact_id"},
    {"previous revision", "previous_name", "quotes", "previous_id"},
};
/* a line: position, what, quantity x price, discount, tax rate = net (the database's amounts);
 * Enter opens it in its form while the quote is a draft */
#define DOC_LINES(tbl, doc, fk)                                                                    \
    "SELECT '' AS at, '' AS who, lpad(l.position::text, 3) || '  ' || coalesce(l.sku || '  ', '')" \
    " || l.description || '  ' || " NUM(                                                           \
        "l.quantity") " || ' ' || l.unit"                                                          \
                      " || ' × ' || " PRICE(                                                       \
                          "l.unit_price",                                                          \
                          "d.currency") ""                                                         \
                                        " || CASE WHEN l.discount_pct <> 0 THEN ' −' || " NUM(     \
                                            "l.discount_pct") " || '%'"                            \
                                                              " ELSE '' END || '  tax ' "          \
                                                              "|| " NUM(                           \
                                                                  "l.tax_rate") " || '%  "         \
                                                                                "= '"              \
                                                                                " ||"              \
                                                                                " " AMOUNT(        \
                                                                                    "l."           \
                                                                                    "net",         \
                                                                                    "d."           \
                                                                                    "curr"         \
                                                                                    "enc"          \
                                                                                    "y") " AS "    \
                                                                                         "what,"   \
                                                                                         " "       \
                                                                                         "'" tbl   \
                                                                                         "' AS "   \
                                                                                         "entit"   \
                                                                                         "y, "     \
                                                                                         "l.id"    \
                                                                                         " FROM"   \
                                                                                         " " tbl   \
                                                                                         " l "     \
                                                                                         "JOIN"    \
                                                                                         " " doc   \
                                                                                         " d "     \
                                                                                         "ON "     \
                                                                                         "d.id "   \
                                                                                         "= "      \
                                                                                         "l." fk   \
                                                                                         " WHER"   \
                                                                                         "E "      \
                                                                                         "l." fk   \
                                                                                         " = $1"   \
                                                                                         " ORDE"   \
                                                                                         "R BY "   \
                                                                                         "l."      \
                                                                                         "posit"   \
                                                                                         "ion, "   \
                                                                                         "l.id "   \
                                                                                         "LIMIT"   \
                                                                                         " 200"
static const struct entity_section quote_lines_section = {
    .heading = "Lines",
    .suffix = ", in order",
    .max = 200,
    .sql = DOC_LINES("quote_lines", "quotes", "quote_id"),
    .params = {"id"},
};
/* its revisions and the invoices made from it */
static const struct entity_section quote_timeline = {
    .heading = "Revisions, invoices and mail",
    .suffix = "",
    .max = DETAIL_TIMELINE_MAX,
    .sql = "SELECT to_char(" SQL_LOCAL(
        "x.at") ", 'YYYY-MM-DD HH24:MI') AS at, x.who, x.what, x.entity, x.id"
                " FROM ((SELECT q.created_at AS at, q.created_by AS who, 'revision ' || q.revision"
                " || ' quote #' || q.id || ' [' || " QUOTE_STATE(
                    "q") " || ']' AS what,"
                         " 'quotes'::text AS entity, q.id FROM quotes q WHERE q.previous_id = $1)"
                         " UNION ALL (SELECT i.created_at, i.created_by, CASE i.kind WHEN "
                         "'credit_note'"
                         " THEN 'credit note ' ELSE 'invoice ' END || " INV_LABEL(
                             "i") " || ' ['"
                                  " || " INV_STATE("i") " || '] ' || " AMOUNT(
                                      "i.gross_total",
                                      "i.currency") ","
                                                    " 'invoices', i.id FROM invoices i WHERE "
                                                    "i.quote_id "
                                                    "= $1) UNION ALL " DOC_MAIL(
                                                        "quote_id") ") x"
                                                                    " ORDER BY x.at DESC, x.id "
                                                                    "DESC" LIMIT_TL,
    .params = {"id"},
};
static const struct entity_detail quote_detail =
    {
        .head = "SELECT 'Quote #' || q.id || coalesce(' ' || q.title, '') AS title,"
                " 'quote #' || q.id || ' · revision ' || q.revision || ' · ' || " QUOTE_STATE("q") " || ' · ' || " AMOUNT(
                    "q.gross_total",
                    "q.currency") " AS subtitle,"
                                  " " QUOTE_STATE(
                                      "q") " AS state, CASE WHEN q.status = 'accepted' AND EXISTS "
                                           "(SELECT FROM invoices i"
                                           " WHERE i.quote_id = q.id AND i.kind = 'invoice'"
                                           " AND i.status <> 'cancelled') THEN 'invoiced' "
                                           "WHEN EXISTS (SELECT FROM quotes n WHERE n.previous_id "
                                           "= q.id) THEN 'superseded'"
                                           " WHEN q.status = 'sent' AND q.valid_until < "
                                           "current_date"
                                           " THEN 'sent_expired' ELSE q.status END AS phase,"
                                           " q.revision::text AS revision,"
                                           " coalesce(a.name, '') AS account_name, "
                                           "coalesce(o.name, '') AS deal_name,"
                                           " coalesce(" NAME_C " || coalesce(' <' || c.email || "
                                           "'>', ''), '') AS contact_name,"
                                           " " DAY(
                                               "q.valid_until") " AS valid_until,"
                                                                " " AMOUNT(
                                                                    "q.net_total",
                                                                    "q.currency") " AS "
                                                                                  "net,"
                                                                                  " " AMOUNT(
                                                                                      "q."
                                                                                      "tax"
                                                                                      "_"
                                                                                      "tot"
                                                                                      "al",
                                                                                      "q."
                                                                                      "cur"
                                                                                      "ren"
                                                                                      "c"
                                                                                      "y") " AS"
                                                                                           " ta"
                                                                                           "x,"
                                                                                           " " AMOUNT(
                                                                                               "q."
                                                                                               "gro"
                                                                                               "ss_"
                                                                                               "tot"
                                                                                               "al",
                                                                                               "q."
                                                                                               "cur"
                                                                                               "ren"
                                                                                               "cy") " AS gross,"
                                                                                                     " coalesce(q.owner, '') AS owner, coalesce(q.notes, '') AS notes," STAMPS(
                                                                                                         "q") ", q.account_id, q.opportunity_id, q.contact_id, q.previous_id,"
                                                                                                              " CASE WHEN q.previous_id IS NOT NULL THEN 'quote #' || q.previous_id END"
                                                                                                              " AS previous_name"
                                                                                                              " FROM quotes q LEFT JOIN accounts a ON a.id = q.account_id"
                                                                                                              " LEFT JOIN opportunities o ON o.id = q.opportunity_id"
                                                                                                              " LEFT JOIN contacts c ON c.id = q.contact_id WHERE q.id = $1",
        .fields = quote_detail_fields,
        .nfields = N(quote_detail_fields),
        .related = quote_related,
        .nrelated = N(quote_related),
        .before = &quote_lines_section,
        .nbefore = 1,
        .timeline = &quote_timeline,
};

const struct entity entity_quotes = {
    .table = "quotes",
    .singular = "quote",
    .plural = "quotes",
    .help = "an offer to a customer: lines, totals, validity; sent, then accepted or rejected",
    .fields = quote_fields,
    .nfields = N(quote_fields),
    .ref = &quote_ref,
    .list = &quote_list,
    .detail = &quote_detail,
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_CHAT | ENT_HISTORY |
               ENT_QUOTE | ENT_INVOICE_FROM | ENT_PRINT | ENT_LINES,
};

/* ---- a quote's lines: only a form (the quote's detail lists them) ---- */

static const struct entity_field quote_line_fields[] = {
    {.column = "quote_id",
     .label = "Quote",
     .type = FIELD_REF,
     .required = 1,
     .ref = "quotes",
     .maxlen = 200},
    LINE_FIELDS,
};

static const char *const line_new[] = {"line", NULL};

static const struct entity_ref quote_line_ref = {
    .from = "quote_lines r",
    .key = "r.id::text",
    .label = "r.position || '. ' || r.description",
    .detail = "'quote #' || r.quote_id",
    .match = "(r.description ILIKE $1 OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.quote_id DESC, r.position",
    .by_key = "r.id = $1::bigint",
};

/* The line's amounts and the quote's total with it (every parameter is named, as a statement
 * must: the description and position only so), by the database's rule (ccrm_line_amounts:
 * per line, half up to the currency's minor unit), as one types: the saved amounts are those the
 * line's trigger computes with the same function. A price or tax rate left empty is the
 * product's (ccrm_product_price), as the trigger fills it. */
#define MINOR_FMT(cur)                                                                             \
    "'FM999G999G999G999G999G999G999G999G990' || CASE ccrm_minor_units(" cur ") WHEN 0 THEN ''"     \
    " ELSE 'D' || repeat('0', ccrm_minor_units(" cur ")) END"
#define LINE_PREVIEW                                                                               \
    "SELECT 'this line ' || to_char(a.net, " MINOR_FMT(                                            \
        "q.currency") ") || ' + tax '"                                                             \
                      " || to_char(a.tax, " MINOR_FMT(                                             \
                          "q.currency") ") || ' = '"                                               \
                                        " || to_char(a.gross, " MINOR_FMT(                         \
                                            "q.currency") ") || ' ' || q.currency"                 \
                                                          " || ' · quote total ' || "             \
                                                          "to_char(q.gross_total - "               \
                                                          "coalesce(o.gross, 0) + "                \
                                                          "a.gross, " MINOR_FMT(                   \
                                                              "q.currency") ") || ' ' || "         \
                                                                            "q.currency"           \
                                                                            " FROM quotes q LEFT " \
                                                                            "JOIN products p ON "  \
                                                                            "p.id = $2::bigint"    \
                                                                            " LEFT JOIN "          \
                                                                            "quote_lines o ON "    \
                                                                            "o.id = $9::bigint "   \
                                                                            "AND o.quote_id = "    \
                                                                            "q.id,"                \
                                                                            " LATERAL "            \
                                                                            "ccrm_line_amounts($"  \
                                                                            "4::numeric,"          \
                                                                            "   "                  \
                                                                            "coalesce($5::"        \
                                                                            "numeric, "            \
                                                                            "ccrm_product_price("  \
                                                                            "p.id, "               \
                                                                            "q.currency::text)),"  \
                                                                            "   "                  \
                                                                            "coalesce($6::"        \
                                                                            "numeric, 0), "        \
                                                                            "coalesce($7::"        \
                                                                            "numeric, "            \
                                                                            "p.tax_rate),"         \
                                                                            "   "                  \
                                                                            "ccrm_minor_units(q."  \
                                                                            "currency::text)) a"   \
                                                                            " WHERE q.id = "       \
                                                                            "$1::bigint AND "      \
                                                                            "coalesce($3::text, "  \
                                                                            "$8::text, '') IS "    \
                                                                            "NOT NULL"

const struct entity entity_quote_lines = {
    .table = "quote_lines",
    .singular = "quote line",
    .plural = "quote lines",
    .help = "a line of a quote: a product or free text, quantity, price, discount, tax rate",
    .fields = quote_line_fields,
    .nfields = N(quote_line_fields),
    .ref = &quote_line_ref,
    .new_words = line_new,
    .preview = LINE_PREVIEW,
};

/* ---- an invoice's (or credit note's) lines: only a form, as a quote's (the invoice's detail
 * lists them); while it is a draft, L adds one, Enter edits one, :remove-line, :move-line ---- */

static const struct entity_field invoice_line_fields[] = {
    {.column = "invoice_id",
     .label = "Invoice",
     .type = FIELD_REF,
     .required = 1,
     .ref = "invoices",
     .maxlen = 200},
    LINE_FIELDS,
};

static const char *const invoice_line_new[] = {"invoice-line", NULL};

static const struct entity_ref invoice_line_ref = {
    .from = "invoice_lines r",
    .key = "r.id::text",
    .label = "r.position || '. ' || r.description",
    .detail = "'invoice #' || r.invoice_id",
    .match = "(r.description ILIKE $1 OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.invoice_id DESC, r.position",
    .by_key = "r.id = $1::bigint",
};

/* as a quote line's preview (LINE_PREVIEW), over the invoice */
#define INVOICE_LINE_PREVIEW                                                                       \
    "SELECT 'this line ' || to_char(a.net, " MINOR_FMT(                                            \
        "d.currency") ") || ' + tax '"                                                             \
                      " || to_char(a.tax, " MINOR_FMT(                                             \
                          "d.currency") ") || ' = '"                                               \
                                        " || to_char(a.gross, " MINOR_FMT(                         \
                                            "d.currency") ") || ' ' || d.currency"                 \
                                                          " || ' · invoice total ' || "           \
                                                          "to_char(d.gross_total - "               \
                                                          "coalesce(o.gross, 0) + "                \
                                                          "a.gross, " MINOR_FMT(                   \
                                                              "d.currency") ") || ' ' || "         \
                                                                            "d.currency"           \
                                                                            " FROM invoices d "    \
                                                                            "LEFT JOIN products "  \
                                                                            "p ON p.id = "         \
                                                                            "$2::bigint"           \
                                                                            " LEFT JOIN "          \
                                                                            "invoice_lines o ON "  \
                                                                            "o.id = $9::bigint "   \
                                                                            "AND o.invoice_id = "  \
                                                                            "d.id,"                \
                                                                            " LATERAL "            \
                                                                            "ccrm_line_amounts($"  \
                                                                            "4::numeric,"          \
                                                                            "   "                  \
                                                                            "coalesce($5::"        \
                                                                            "numeric, "            \
                                                                            "ccrm_product_price("  \
                                                                            "p.id, "               \
                                                                            "d.currency::text)),"  \
                                                                            "   "                  \
                                                                            "coalesce($6::"        \
                                                                            "numeric, 0), "        \
                                                                            "coalesce($7::"        \
                                                                            "numeric, "            \
                                                                            "p.tax_rate),"         \
                                                                            "   "                  \
                                                                            "ccrm_minor_units(d."  \
                                                                            "currency::text)) a"   \
                                                                            " WHERE d.id = "       \
                                                                            "$1::bigint AND "      \
                                                                            "coalesce($3::text, "  \
                                                                            "$8::text, '') IS "    \
                                                                            "NOT NULL"

const struct entity entity_invoice_lines = {
    .table = "invoice_lines",
    .singular = "invoice line",
    .plural = "invoice lines",
    .help = "a line of a draft invoice or credit note: a product or free text, quantity, price",
    .fields = invoice_line_fields,
    .nfields = N(invoice_line_fields),
    .ref = &invoice_line_ref,
    .new_words = invoice_line_new,
    .preview = INVOICE_LINE_PREVIEW,
};

/* ---- invoices and credit notes ---- */

static const struct entity_field invoice_fields[] = {
    ACCOUNT_REF_FIELD,
    {.column = "contact_id",
     .label = "Contact",
     .type = FIELD_REF,
     .ref = "contacts",
     .maxlen = 254,
     .csv = "contact",
     .within = "account_id"},
    {.column = "opportunity_id",
     .label = "Deal",
     .type = FIELD_REF,
     .ref = "opportunities",
     .maxlen = 200,
     .csv = "deal",
     .within = "account_id"},
    {.column = "currency",
     .label = "Currency",
     .type = FIELD_CURRENCY,
     .required = 1,
     .def = "EUR",
     .sqldef = "'EUR'",
     .maxlen = 3},
    {.column = "payment_terms_days",
     .label = "Payment terms (days)",
     .type = FIELD_INT,
     .required = 1,
     .def = "30",
     .sqldef = "30",
     .min = 0,
     .max = 365},
    {.column = "buyer_name", .label = "Buyer", .type = FIELD_TEXT, .maxlen = 200},
    {.column = "buyer_address", .label = "Street", .type = FIELD_TEXT, .maxlen = 200},
    {.column = "buyer_postcode", .label = "Postcode", .type = FIELD_TEXT, .maxlen = 20},
    {.column = "buyer_city", .label = "City", .type = FIELD_TEXT, .maxlen = 100},
    {.column = "buyer_country", .label = "Country (ISO)", .type = FIELD_TEXT, .maxlen = 2},
    {.column = "buyer_vat_id", .label = "Buyer VAT id", .type = FIELD_TEXT, .maxlen = 30},
    {.column = "buyer_reference", .label = "Buyer reference", .type = FIELD_TEXT, .maxlen = 100},
    {.column = "notes", .label = "Notes", .type = FIELD_MULTILINE, .maxlen = 4000},
    {.column = "owner", .label = "Owner", .type = FIELD_REF, .ref = "users", .maxlen = 63, .me = 1},
};

static const struct entity_column invoice_cols[] = {
    {.name = "Number", .sql = INV_LABEL("a"), .min = 14, .priority = 1},
    /* cut sooner at 80 columns, so that the due date stays on screen */
    {.name = "Customer",
     .sql = "coalesce(a.buyer_name, acc.name, '')",
     .min = 14,
     .least = 12,
     .weight = 30,
     .priority = 1},
    {.name = "Status", .sql = INV_STATE_WORDS("a"), .min = 11, .priority = 2},
    {.name = "Gross",
     .sql = AMOUNT(INV_GROSS("a"), "a.currency"),
     .min = 14,
     .fit = 10,
     .priority = 2},
    {.name = "Open",
     .sql = "CASE WHEN a.status = 'issued' AND a.kind = 'invoice' THEN " AMOUNT(
         "a.gross_total - a.paid_total - a.credited_total", "a.currency") " ELSE '' END",
     .min = 14,
     .fit = 10,
     .priority = 3},
    {.name = "Due", /* a credit note is due from nobody */
     .sql = "CASE a.kind WHEN 'invoice' THEN coalesce(to_char(a.due_date, 'YYYY-MM-DD'), '')"
            " ELSE '' END",
     .min = 10,
     .priority = 3},
    {.name = "Owner", .sql = "coalesce(a.owner, '')", .min = 8, .weight = 6, .priority = 5},
    {.name = "account_id", .sql = "a.account_id::text", .hidden = 1},
};

static const struct entity_sort invoice_sorts[] = {
    {.name = "updated",
     .key = "a.updated_at",
     .keytype = "timestamptz",
     .desc = 1,
     .blocks = "invoices_updated",
     .index = "invoices_updated_idx"},
    {.name = "newest", .key = "a.id", .keytype = "bigint", .desc = 1, .index = "invoices_pkey"},
    /* the dunning order: the longest overdue first (drafts, without a due date, last) */
    {.name = "due",
     .key = "coalesce(a.due_date, 'infinity'::date)",
     .keytype = "date",
     .index = "none by due date: the (filtered) rows are sorted, cheap within f overdue"},
};

static const struct entity_filter invoice_filters[] = {
    /* as people see it: draft, issued, partly_paid, overdue, paid, cancelled */
    {.name = "status",
     .sql = INV_STATE("a"),
     .is = "ccrm_invoice_is(a.status, a.kind, a.paid_total, a.due_date, ",
     .choices = invoice_states},
    {.name = "owner", .sql = "a.owner", .mine = 1, .match = FILTER_FOLDED},
    /* the dunning list: issued invoices past their due date */
    {.name = "overdue",
     .sql = "(a.status = 'issued' AND a.kind = 'invoice' AND a.due_date < current_date)::text",
     .choices = entity_yes_no},
};

static const struct entity_list invoice_list = {
    .view = "invoices",
    .shows = billing_shows,
    .title = "Invoices",
    .from = "invoices a LEFT JOIN accounts acc ON acc.id = a.account_id",
    .base = "invoices a",
    .search = "(a.search LIKE ccrm_fold($1) OR a.account_id IN (SELECT x.id FROM accounts x"
              " WHERE x.search LIKE ccrm_fold($1)))",
    .search_help = "number, buyer and account",
    .cols = invoice_cols,
    .ncols = N(invoice_cols),
    .sorts = invoice_sorts,
    .nsorts = N(invoice_sorts),
    .filters = invoice_filters,
    .nfilters = N(invoice_filters),
    .rows_are_records = 1,
    .empty = "no invoices yet: :invoice on an accepted quote or a won deal drafts one",
};

static const struct entity_ref invoice_ref = {
    .from = "invoices r LEFT JOIN accounts a ON a.id = r.account_id",
    .key = "r.id::text",
    .label = INV_LABEL("r"),
    .detail = "concat_ws(' · ', a.name, " INV_STATE_WORDS("r") ")",
    .match = "(r.search LIKE ccrm_fold($1) OR r.id = $2::bigint)",
    .idparam = 1,
    .order = "r.id DESC",
    .by_key = "r.id = $1::bigint",
};

static const struct entity_detail_field invoice_detail_fields[] = {
    {"Status", "state"},      {"Account", "account_name"}, {"Buyer", "buyer"},
    {"Issued", "issue_date"}, {"Due", "due_date"},         {"Net", "net"},
    {"Tax", "tax"},           {"Gross", "gross"},          {"Paid", "paid"},
    {"Credited", "credited"}, {"Outstanding", "open"},     {"Owner", "owner"},
    {"Created", "created"},   {"Updated", "updated"},      {"Notes", "notes"},
};
static const struct entity_related invoice_related[] = {
    {"account", "account_name", "accounts", "account_id"},
    {"quote", "quote_name", "quotes", "quote_id"},
    {"deal", "deal_name", "opportunities", "opportunity_id"},
    {"corrects", "credit_of_name", "invoices", "credit_of"},
};
static const struct entity_section invoice_sections[] = {
    {.heading = "Lines",
     .suffix = ", in order",
     .max = 200,
     .sql = DOC_LINES("invoice_lines", "invoices", "invoice_id"),
     .params = {"id"}},
    {.heading = "Payments",
     .suffix = "",
     .max = 100,
     .sql = "SELECT to_char(p.paid_on, 'YYYY-MM-DD') AS at, p.created_by AS who,"
            " 'payment ' || " AMOUNT("p.amount",
                                     "i.currency") " || ' by ' || p.method"
                                                   " || coalesce(' · ' || p.reference, '') AS "
                                                   "what, 'payments' AS entity, p.id"
                                                   " FROM payments p JOIN invoices i ON i.id = "
                                                   "p.invoice_id WHERE p.invoice_id = $1"
                                                   " ORDER BY p.paid_on, p.id LIMIT 100",
     .params = {"id"}},
};
/* its credit notes */
static const struct entity_section invoice_timeline = {
    .heading = "Credit notes and mail",
    .suffix = ", newest first",
    .max = DETAIL_TIMELINE_MAX,
    .sql = "SELECT to_char(" SQL_LOCAL(
        "x.at") ", 'YYYY-MM-DD HH24:MI') AS at, x.who, x.what, x.entity, x.id"
                " FROM ((SELECT i.created_at AS at, i.created_by AS who, 'credit note ' "
                "|| " INV_LABEL("i") " || ' [' || " INV_STATE_WORDS("i") " || '] ' || " AMOUNT(
                    "-i.gross_total",
                    "i.currency") " AS what, 'invoices'::text AS entity, i.id"
                                  " FROM invoices i WHERE i.credit_of = $1)"
                                  " UNION ALL " DOC_MAIL(
                                      "invoice_id") ") x"
                                                    " ORDER BY x.at DESC, x.id DESC" LIMIT_TL,
    .params = {"id"},
};
static const struct entity_detail invoice_detail = {
    .head =
        "SELECT CASE i.kind WHEN 'credit_note' THEN 'Credit note ' ELSE 'Invoice ' END"
        " || coalesce(i.number, 'draft #' || i.id) AS title,"
        " CASE i.kind WHEN 'credit_note' THEN 'credit note' ELSE 'invoice' END || ' #'"
        " || i.id || ' · ' || " INV_STATE_WORDS("i") " || ' · ' || " AMOUNT(
            INV_GROSS("i"),
            "i.currency") " AS subtitle,"
                          " " INV_STATE_WORDS(
                              "i") " AS state, CASE i.kind WHEN 'credit_note' THEN 'credit_' "
                                   "|| "
                                   "i.status"
                                   " ELSE 'invoice_' || " INV_STATE(
                                       "i") " END AS phase, coalesce(a.name, '') AS "
                                            "account_name,"
                                            " concat_ws(', ', i.buyer_name, nullif(concat_ws(' "
                                            "', "
                                            "i.buyer_postcode,"
                                            "   i.buyer_city), ''), i.buyer_country) AS buyer,"
                                            " " DAY("i.issue_date") " AS issue_date, " DAY(
                                                "CASE i.kind WHEN 'invoice' THEN i.due_date "
                                                "END") " AS due_date,"
                                                       " " AMOUNT(
                                                           INV_SIGNED("i", "net_total"),
                                                           "i.currency") " AS net,"
                                                                         " " AMOUNT(
                                                                             INV_SIGNED(
                                                                                 "i", "tax_total"),
                                                                             "i."
                                                                             "currenc"
                                                                             "y") " A"
                                                                                  "S "
                                                                                  "ta"
                                                                                  "x,"
                                                                                  " " AMOUNT(
                                                                                      INV_GROSS(
                                                                                          "i"),
                                                                                      "i."
                                                                                      "curre"
                                                                                      "ncy") " "
                                                                                             "A"
                                                                                             "S"
                                                                                             " "
                                                                                             "g"
                                                                                             "r"
                                                                                             "o"
                                                                                             "s"
                                                                                             "s"
                                                                                             ","
                                                                                             " " AMOUNT(
                                                                                                 "C"
                                                                                                 "A"
                                                                                                 "S"
                                                                                                 "E"
                                                                                                 " "
                                                                                                 "i"
                                                                                                 "."
                                                                                                 "k"
                                                                                                 "i"
                                                                                                 "n"
                                                                                                 "d"
                                                                                                 " "
                                                                                                 "W"
                                                                                                 "H"
                                                                                                 "E"
                                                                                                 "N"
                                                                                                 " "
                                                                                                 "'"
                                                                                                 "i"
                                                                                                 "n"
                                                                                                 "v"
                                                                                                 "o"
                                                                                                 "i"
                                                                                                 "c"
                                                                                                 "e"
                                                                                                 "'"
                                                                                                 " "
                                                                                                 "T"
                                                                                                 "H"
                                                                                                 "E"
                                                                                                 "N"
                                                                                                 " "
                                                                                                 "i"
                                                                                                 "."
                                                                                                 "p"
                                                                                                 "a"
                                                                                                 "i"
                                                                                                 "d"
                                                                                                 "_"
                                                                                                 "t"
                                                                                                 "o"
                                                                                                 "t"
                                                                                                 "a"
                                                                                                 "l"
                                                                                                 " "
                                                                                                 "E"
                                                                                                 "N"
                                                                                                 "D",
                                                                                                 "i"
                                                                                                 "."
                                                                                                 "c"
                                                                                                 "u"
                                                                                                 "r"
                                                                                                 "r"
                                                                                                 "e"
                                                                                                 "n"
                                                                                                 "c"
                                                                                                 "y") " AS paid,"
                                                                                                      " " AMOUNT(
                                                                                                          "CASE i.kind WHEN 'invoice' THEN i.credited_total END",
                                                                                                          "i.currency") " AS credited,"
                                                                                                                        " CASE WHEN i.status = 'issued' AND i.kind = 'invoice' THEN " AMOUNT(
                                                                                                                            "i.gross_total - i.paid_total - i.credited_total",
                                                                                                                            "i.currency") " ELSE '' END AS open,"
                                                                                                                                          " coalesce(i.owner, '') AS owner, coalesce(i.notes, '') AS notes," STAMPS(
                                                                                                                                              "i") ", i.account_id, i.quote_id, i.opportunity_id, i.credit_of,"
                                                                                                                                                   " CASE WHEN i.quote_id IS NOT NULL THEN 'quote #' || i.quote_id END AS quote_name,"
                                                                                                                                                   " coalesce(o.name, '') AS deal_name,"
                                                                                                                                                   " (SELECT " INV_LABEL(
                                                                                                                                                       "x") " FROM invoices x WHERE x.id = i.credit_of)"
                                                                                                                                                            " AS credit_of_name"
                                                                                                                                                            " FROM invoices i LEFT JOIN accounts a ON a.id = i.account_id"
                                                                                                                                                            " LEFT JOIN opportunities o ON o.id = i.opportunity_id WHERE i.id = $1",
    .fields = invoice_detail_fields,
    .nfields = N(invoice_detail_fields),
    .related = invoice_related,
    .nrelated = N(invoice_related),
    .before = invoice_sections,
    .nbefore = N(invoice_sections),
    .timeline = &invoice_timeline,
};

const struct entity entity_invoices = {
    .table = "invoices",
    .singular = "invoice",
    .plural = "invoices",
    .help = "an invoice or credit note: drafted, issued with a gapless number, paid",
    .fields = invoice_fields,
    .nfields = N(invoice_fields),
    .ref = &invoice_ref,
    .list = &invoice_list,
    .detail = &invoice_detail,
    .actions = ENT_EDIT | ENT_COMMENT | ENT_PARTNER | ENT_ASSIGN | ENT_CHAT | ENT_HISTORY |
               ENT_INVOICE | ENT_PRINT | ENT_LINES,
};
