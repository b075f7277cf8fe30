/* Unit tests for the mail parser (src/mail): every message of the corpus in tests/data/mail is
 * parsed and its reading compared, field by field and byte for byte, with NN-name.expect beside
 * it (CCRM_UPDATE_EXPECT=1 writes the files instead: review the diff before committing). Then
 * the pieces one by one: HTML to text, charsets, the hash Message-ID of a mail without one,
 * the classification of automatic mail, the mbox reader (separators, >From), composing
 * (parsed back), a 20 MB mail against the attachment limit. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "ccrm/mail.h"
#include "ccrm/util.h"

#define CORPUS CCRM_SOURCE_DIR "/tests/data/mail"

static const char *const corpus[] = {
    "01-alternative",
    "02-html-only",
    "03-base64-utf8",
    "04-latin1-qp",
    "05-cp1252",
    "06-encoded-words",
    "07-attachments",
    "08-no-message-id",
    "09-duplicate-id",
    "10-broken-headers",
    "11-auto-reply",
    "12-bounce",
    "13-mailing-list",
    "14-reply-references",
    "15-forwarded",
    "16-subject-reply",
    "17-plus-token",
    "18-subject-tag",
    "19-read-receipt",
    "20-bulk",
    "21-crlf-raw-utf8",
    "22-raw-latin1",
    "23-split-words",
    "24-alternative-related",
    "25-calendar-invite",
    "26-signed-nested",
    "27-base64-lie",
    "28-forward-whole",
    "29-invite-only",
    "30-smime-encrypted",
    "31-smime-signed",
    "32-pgp-encrypted",
    NULL,
};

static const char *
auto_name(enum mail_auto a)
{
    static const char *const names[] = {"person", "auto-reply", "bulk", "list", "bounce"};

    return names[a];
}

/* The reading of a mail as text: one "key: value" line per field, the body last. */
static char *
dump(const struct mail_msg *m)
{
    GString *s = g_string_new(NULL);
    int i;

#define LINE(k, v) g_string_append_printf(s, "%s: %s\n", k, (v) != NULL ? (v) : "")
    LINE("message-id", m->message_id);
    LINE("derived-id", m->derived_id ? "yes" : "no");
    LINE("in-reply-to", m->in_reply_to);
    LINE("references", m->references);
    LINE("from", m->from_addr);
    LINE("from-name", m->from_name);
    LINE("reply-to", m->reply_to);
    LINE("to", m->to);
    LINE("cc", m->cc);
    LINE("recipients", m->recipients);
    LINE("subject", m->subject);
    if (m->has_date) {
        GDateTime *dt = g_date_time_new_from_unix_utc(m->date / 1000000);
        char *t = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");

        LINE("date", t);
        g_free(t);
        g_date_time_unref(dt);
    } else {
        LINE("date", "none");
    }
    LINE("auto", auto_name(m->autoclass));
    for (i = 0; i < m->natt; i++) {
        const struct mail_attachment *a = &m->att[i];
        char *sum = a->content != NULL ? g_compute_checksum_for_data(
                                             G_CHECKSUM_SHA256, (const guchar *)a->content, a->size)
                                       : NULL;

        g_string_append_printf(s, "attachment: %s | %s | %zu | %s\n", a->name, a->type, a->size,
                               sum != NULL ? sum : "no content");
        g_free(sum);
    }
#undef LINE
    g_string_append_printf(s, "body:\n%s\n", m->body);
    return g_string_free(s, FALSE);
}

static char *
slurp(const char *path, size_t *n)
{
    struct ccrm_err err;
    char *buf = NULL;

    if (mail_read_file(path, 100 * 1024 * 1024, &buf, n, &err) == -1)
        return NULL;
    return buf;
}

static struct mail_msg *
parse_file(const char *path, size_t att_max)
{
    struct mail_parse_opts o = {att_max, NULL, 0};
    struct ccrm_err err;
    size_t n;
    char *buf = slurp(path, &n);

    assert_non_null(buf);
    return mail_parse(buf, n, &o, &err);
}

static void
test_corpus(void **state)
{
    int i, failed = 0;

    (void)state;
    for (i = 0; corpus[i] != NULL; i++) {
        char *eml = xasprintf("%s/%s.eml", CORPUS, corpus[i]);
        char *exp = xasprintf("%s/%s.expect", CORPUS, corpus[i]);
        struct mail_msg *m = parse_file(eml, 1024 * 1024);
        char *got, *want;
        size_t n;

        assert_non_null(m);
        got = dump(m);
        if (getenv("CCRM_UPDATE_EXPECT") != NULL) {
            FILE *f = fopen(exp, "w");

            assert_non_null(f);
            fputs(got, f);
            fclose(f);
        }
        want = slurp(exp, &n);
        if (want == NULL || strlen(got) != n || memcmp(got, want, n) != 0) {
            /* (the file's bytes are not a string: no NUL after them) */
            fprintf(stderr, "--- %s: expected\n%.*s--- got\n%s---\n", corpus[i],
                    want != NULL ? (int)n : 18, want != NULL ? want : "(no .expect file)\n", got);
            failed++;
        }
        free(want);
        g_free(got);
        mail_msg_free(&m);
        free(eml);
        free(exp);
    }
    assert_int_equal(failed, 0);
}

static char *
html(const char *s)
{
    return mail_html_to_text(s, strlen(s));
}

static void
test_html(void **state)
{
    static const char *const cases[][2] = {
        {"<p>a</p><p>b</p>", "a\n\nb"},
        {"a<br>b<br><br><br>c", "a\nb\n\nc"},
        {"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
        {"<blockquote><p>quoted</p><p>more</p></blockquote>after", "> quoted\n> \n> more\n\nafter"},
        {"<p>before</p><blockquote>q<blockquote>qq</blockquote></blockquote><p>after</p>",
         "before\n\n> q\n> \n> > qq\n\nafter"},
        {"<a href=\"https://x.example/a\">link</a>", "link <https://x.example/a>"},
        {"<a href=\"https://x.example/a\">https://x.example/a</a>", "https://x.example/a"},
        {"<a href=\"mailto:a@b\">mail</a>", "mail"},
        {"<head><title>t</title><style>p{}</style></head><script>x()</script>visible", "visible"},
        {"<pre>  keep\n    this</pre>", "  keep\n    this"},
        {"a &amp; b &lt;c&gt; &euro; &#8222;q&#8220;", "a & b <c> € „q“"},
        {"x&nbsp;&nbsp;y<p>&nbsp;</p><p>z</p>", "x y\n\nz"},
        {"<img src=x alt=\"Logo\">", "[Logo]"},
        {"<table><tr><td>k</td><td>v</td></tr><tr><td>k2</td><td>v2</td></tr></table>",
         "k v\nk2 v2"},
        {"  lots   of \n\n  space  ", "lots of space"},
        {"<div><div><p>deep</p></div></div>", "deep"},
        {"", ""},
        {"<p>unclosed <b>bold", "unclosed bold"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = html(cases[i][0]);

        if (strcmp(t, cases[i][1]) != 0)
            fail_msg("html %zu: \"%s\" gave \"%s\", want \"%s\"", i, cases[i][0], t, cases[i][1]);
        free(t);
    }
}

static void
test_charsets(void **state)
{
    char *s;

    (void)state;
    s = mail_to_utf8("caf\xe9", 4, "iso-8859-1");
    assert_string_equal(s, "café");
    free(s);
    s = mail_to_utf8("\x93q\x94 \x80", 5, "ISO-8859-1"); /* Windows-1252 really */
    assert_string_equal(s, "“q” €");
    free(s);
    s = mail_to_utf8("caf\xc3\xa9", 5, "iso-8859-1"); /* UTF-8 mislabelled */
    assert_string_equal(s, "café");
    free(s);
    s = mail_to_utf8("caf\xe9", 4, NULL); /* undeclared, not UTF-8 */
    assert_string_equal(s, "café");
    free(s);
    s = mail_to_utf8("\xcb\xce\xc9\xc7\xc1", 5, "koi8-r");
    assert_string_equal(s, "книга");
    free(s);
    s = mail_to_utf8("a\xe9z", 3, "x-no-such-charset");
    assert_string_equal(s, "aéz");
    free(s);
    s = mail_to_utf8("a\0b\r\nc\rd", 9, "utf-8"); /* NUL dropped, line ends made LF */
    assert_string_equal(s, "ab\nc\nd");
    free(s);
    s = mail_to_utf8("bad \xff\xfe utf8", 12, "utf-8");
    assert_true(g_utf8_validate(s, -1, NULL));
    free(s);
    /* 7-bit charsets are decoded although every byte is ASCII */
    s = mail_to_utf8("\x1b$B$3$s$K$A$O\x1b(B", 16, "iso-2022-jp");
    assert_string_equal(s, "こんにちは");
    free(s);
    s = mail_to_utf8("Hi +AOk-", 8, "utf-7");
    assert_string_equal(s, "Hi é");
    free(s);
    s = mail_to_utf8("plain $B text", 13, NULL); /* undeclared ASCII stays as it is */
    assert_string_equal(s, "plain $B text");
    free(s);
    /* control characters out of a text: a terminal reading an export is not retitled */
    s = mail_to_utf8("a\x1b]0;PWNED\x07\x1b[2J\bb\tc\x7f\fd", 23, "utf-8");
    assert_string_equal(s, "a]0;PWNED[2Jb\tcd");
    free(s);
}

static struct mail_msg *
parse_str(const char *s, const struct mail_parse_opts *o)
{
    struct ccrm_err err;

    return mail_parse(xstrdup(s), strlen(s), o, &err);
}

static void
test_derived_id(void **state)
{
    const char *a = "From: x@y.example\nTo: s@example.com\nSubject: s\nDate: Mon, 2 Dec 2024 "
                    "10:00:00 +0000\n\nbody\n";
    char *b = xasprintf("Received: from somewhere\nReturn-Path: <x@y.example>\nDelivery-date: "
                        "now\n%s",
                        a);
    struct mail_msg *m1 = parse_str(a, NULL), *m2 = parse_str(b, NULL), *m3;

    (void)state;
    assert_true(m1->derived_id);
    /* a retried delivery with trace headers added is the same mail */
    assert_string_equal(m1->message_id, m2->message_id);
    m3 = parse_str("From: x@y.example\nTo: s@example.com\nSubject: s\nDate: Mon, 2 Dec 2024 "
                   "10:00:00 +0000\n\nanother body\n",
                   NULL);
    assert_string_not_equal(m1->message_id, m3->message_id);
    assert_non_null(strstr(m1->message_id, "@ccrm.invalid"));
    mail_msg_free(&m3);
    /* the same mail with CR LF line ends (an MTA that kept them) is the same mail */
    m3 = parse_str("From: x@y.example\r\nTo: s@example.com\r\nSubject: s\r\nDate: Mon, 2 Dec "
                   "2024 10:00:00 +0000\r\n\r\nbody\r\n",
                   NULL);
    assert_string_equal(m1->message_id, m3->message_id);
    mail_msg_free(&m1);
    mail_msg_free(&m2);
    mail_msg_free(&m3);
    free(b);
}

static void
test_classify(void **state)
{
    static const struct {
        const char *headers;
        enum mail_auto want;
    } cases[] = {
        {"From: a@b.example\n", MAIL_PERSON},
        {"From: a@b.example\nAuto-Submitted: no\n", MAIL_PERSON},
        {"From: a@b.example\nAuto-Submitted: auto-generated\n", MAIL_AUTO_REPLY},
        {"From: a@b.example\nX-Autoreply: yes\n", MAIL_AUTO_REPLY},
        {"From: a@b.example\nPrecedence: bulk\n", MAIL_BULK},
        {"From: a@b.example\nPrecedence: junk\n", MAIL_BULK},
        {"From: a@b.example\nPrecedence: list\n", MAIL_LIST},
        {"From: a@b.example\nList-Id: <x.y>\n", MAIL_LIST},
        {"From: MAILER-DAEMON@b.example\n", MAIL_BOUNCE},
        {"From: postmaster@b.example\n", MAIL_BOUNCE},
        {"From: a@b.example\nReturn-Path: <>\n", MAIL_BOUNCE},
    };
    struct mail_parse_opts nullsender = {0, NULL, 1};
    struct mail_msg *m;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = xasprintf("%sSubject: x\n\nbody\n", cases[i].headers);

        m = parse_str(s, NULL);
        assert_non_null(m);
        if (m->autoclass != cases[i].want)
            fail_msg("classify %zu: got %s, want %s", i, auto_name(m->autoclass),
                     auto_name(cases[i].want));
        mail_msg_free(&m);
        free(s);
    }
    m = parse_str("From: a@b.example\nSubject: x\n\nbody\n", &nullsender);
    assert_int_equal(m->autoclass, MAIL_BOUNCE);
    mail_msg_free(&m);
}

static void
test_not_a_mail(void **state)
{
    struct ccrm_err err;

    (void)state;
    assert_null(mail_parse(xstrdup(""), 0, NULL, &err));
    assert_non_null(strstr(err.msg, "empty"));
    assert_null(mail_parse(xstrdup("\n\n\n"), 3, NULL, &err));
    assert_null(mail_parse(xstrdup("just some text\nwithout headers\n"), 31, NULL, &err));
    assert_non_null(strstr(err.msg, "not a mail"));
}

static void
test_recipients(void **state)
{
    struct mail_parse_opts o = {0, "Support+T12@Example.COM  other@x.example", 0};
    struct mail_msg *m = parse_str("From: a@b.example\nTo: A <a1@x.example>, team: b1@x.example,"
                                   " c1@x.example;\nCc: \"Quoted, Name\" <d1@x.example>\n"
                                   "Delivered-To: support@example.com\nDelivered-To: "
                                   "support@example.com\nSubject: x\n\nbody\n",
                                   &o);

    (void)state;
    /* the envelope's first, then what the MTA's headers say, then To and Cc (the list is cut
     * at a thousand: To's strangers must not push out the envelope) */
    assert_string_equal(m->recipients, "support+t12@example.com other@x.example "
                                       "support@example.com a1@x.example b1@x.example "
                                       "c1@x.example d1@x.example");
    mail_msg_free(&m);
}

/* Senders GMime reads badly: a comma unquoted in the name, a '[' in it, an encoded word with
 * one; and a To whose name has a '['. The address in <> is the sender's, the words before it
 * the name. */
static void
test_odd_senders(void **state)
{
    static const char *const cases[][3] = {
        {"From: Smith, John <j.smith@x.example>", "j.smith@x.example", "Smith, John"},
        {"From: ACME Corp [External] <info@acme.example>", "info@acme.example",
         "ACME Corp [External]"},
        {"From: =?utf-8?q?Evil[31mRed?= <evil@x.example>", "evil@x.example", "Evil[31mRed"},
        {"From: \"Quoted, Name\" <q@x.example>", "q@x.example", "Quoted, Name"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("%s\nTo: Support [ccrm] <support@example.com>\nSubject: x\n\nbody\n",
                               cases[i][0]);
        struct mail_msg *m = parse_str(text, NULL);

        assert_non_null(m->from_addr);
        assert_string_equal(m->from_addr, cases[i][1]);
        assert_non_null(m->from_name);
        assert_string_equal(m->from_name, cases[i][2]);
        assert_non_null(strstr(m->recipients, "support@example.com"));
        mail_msg_free(&m);
        free(text);
    }
}

/* A From with no address GMime reads (the words and the address with no <>, a group, none at
 * all): the word that looks like an address is the sender, and a person's mail without a
 * sender is a person's mail (the database files it on a ticket), never a bounce. */
static void
test_loose_from(void **state)
{
    static const char *const cases[][3] = {
        {"From: John Doe p2-r3@example.org\n", "p2-r3@example.org", "John Doe"},
        {"From: p2-r4@example.org\n", "p2-r4@example.org", NULL},
        {"From: \"Jane\" (jane at home) jane@home.example;\n", "jane@home.example", "Jane"},
        {"From: undisclosed-recipients:;\n", NULL, NULL},
        {"From: John Doe\n", NULL, NULL},
        {"From: @ x@ @y\n", NULL, NULL},
        {"To: support@example.com\n", NULL, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("%sSubject: x\n\nbody\n", cases[i][0]);
        struct mail_msg *m = parse_str(text, NULL);

        assert_non_null(m);
        if (cases[i][1] == NULL) {
            if (m->from_addr != NULL)
                fail_msg("loose from %zu: got \"%s\", want none", i, m->from_addr);
        } else {
            assert_non_null(m->from_addr);
            assert_string_equal(m->from_addr, cases[i][1]);
        }
        if (cases[i][2] == NULL)
            assert_null(m->from_name);
        else
            assert_string_equal(m->from_name, cases[i][2]);
        assert_int_equal(m->autoclass, MAIL_PERSON);
        mail_msg_free(&m);
        free(text);
    }
}

/* Reply-To, To and Cc are stored as text that reads back as the same addresses: a name that
 * ends in a backslash or has quotes or commas is quoted, so an answer's To copied from a
 * Reply-To is sent (GMime's own writer gave "x\ <a@b>", which nothing reads back). */
static void
test_address_text(void **state)
{
    static const char *const cases[][3] = {
        {"=?UTF-8?Q?x=5C?= <p2-inj@example.org>", "\"x\\\\\" <p2-inj@example.org>",
         "p2-inj@example.org"},
        {"\"a \\\"q\\\" b\" <q@x.example>", "\"a \\\"q\\\" b\" <q@x.example>", "q@x.example"},
        {"=?UTF-8?Q?Smith=2C_J=22?= <s@x.example>", "\"Smith, J\\\"\" <s@x.example>",
         "s@x.example"},
        {"Jörg Müller <j@x.example>, k@x.example", "Jörg Müller <j@x.example>, k@x.example",
         "j@x.example k@x.example"},
        {"\"=?x?= \" <e@x.example>", "\"=?x?=\" <e@x.example>", "e@x.example"},
        {"team: a@x.example, \"b\\\\\" <b@x.example>;", "a@x.example, \"b\\\\\" <b@x.example>",
         "a@x.example b@x.example"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("From: c@x.example\nTo: support@example.com\nReply-To: %s\n"
                               "Cc: %s\nSubject: x\n\nbody\n",
                               cases[i][0], cases[i][0]);
        struct mail_msg *m = parse_str(text, NULL), *back;
        struct mail_out o = {.id = 1,
                             .message_id = "a@b",
                             .from_addr = "support@example.com",
                             .subject = "Re: x",
                             .body = "answer"};
        struct ccrm_err err;
        size_t len;
        char *out;

        assert_non_null(m->reply_to);
        if (strcmp(m->reply_to, cases[i][1]) != 0)
            fail_msg("address text %zu: \"%s\" gave \"%s\", want \"%s\"", i, cases[i][0],
                     m->reply_to, cases[i][1]);
        /* the answer goes to it */
        o.to = m->reply_to;
        out = mail_compose(&o, &len, &err);
        if (out == NULL)
            fail_msg("address text %zu: the answer to \"%s\": %s", i, m->reply_to, err.msg);
        back = parse_str(out, NULL);
        assert_string_equal(back->recipients, cases[i][2]);
        mail_msg_free(&back);
        free(out);
        mail_msg_free(&m);
        free(text);
    }
}

/* A multipart whose boundary is missing or not the parts' keeps its text as written. */
static void
test_lost_boundary(void **state)
{
    static const char *const heads[] = {"Content-Type: multipart/mixed",
                                        "Content-Type: multipart/mixed; boundary=zzz"};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        char *text = xasprintf("From: a@b.example\nTo: s@example.com\nSubject: x\n%s\n\n--abc\n"
                               "Content-Type: text/plain\n\nthe hidden text\n--abc--\n",
                               heads[i]);
        struct mail_msg *m = parse_str(text, NULL);

        assert_non_null(m);
        assert_non_null(strstr(m->body, "the hidden text"));
        mail_msg_free(&m);
        free(text);
    }
}

/* A mail with no text of its own says what it holds (the corpus has one of each kind; here the
 * other shapes): a cancelled meeting in UTC, an answer, a whole day, an invitation that cannot
 * be read, forwarded mails inside forwarded mails (shown three deep, not more), and a mail
 * with text, whose invitation beside it adds nothing to the body. */
static void
test_no_text(void **state)
{
    static const char head[] = "From: a@b.example\nTo: s@example.com\nSubject: x\n";
    static const struct {
        const char *mail, *body;
    } cases[] = {
        {"Content-Type: text/calendar\n\nBEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\n"
         "SUMMARY:Review\nDTSTART:20250108T090000Z\nDTEND:20250109T100000Z\nEND:VEVENT\n"
         "END:VCALENDAR\n",
         "Meeting cancelled\nWhat: Review\nWhen: 2025-01-08 09:00 UTC – 2025-01-09 10:00 UTC"},
        {"Content-Type: text/calendar; method=REPLY\n\nBEGIN:VCALENDAR\nBEGIN:VEVENT\n"
         "ATTENDEE;PARTSTAT=DECLINED;CN=\"Doe; Jo\":MAILTO:jo@b.example\nSUMMARY:Review\n"
         "DTSTART;VALUE=DATE:20250108\nDTEND;VALUE=DATE:20250109\nEND:VEVENT\nEND:VCALENDAR\n",
         "Answer to a meeting request\nWhat: Review\nWhen: 2025-01-08\n"
         "Answer: Doe; Jo <jo@b.example>: declined"},
        {"Content-Type: text/calendar\n\nBEGIN:VCALENDAR\nMETHOD:PUBLISH\nBEGIN:VEVENT\n"
         "DTSTART;VALUE=DATE:20241230\nDTEND;VALUE=DATE:20250102\nEND:VEVENT\nEND:VCALENDAR\n",
         "Calendar event\nWhen: 2024-12-30 – 2025-01-01"},
        {"Content-Type: text/calendar; name=x.ics\n\nnot a calendar\n",
         "Calendar invitation (could not be read): open the attachment x.ics with your calendar "
         "program"},
        {"Content-Type: application/pkcs7-mime; name=smime.p7m\n\nMIAGCSqGSIb3DQEHA6CAMIACAQ==\n",
         "(S/MIME mail: ccrm cannot read it; open the attachment smime.p7m with your mail "
         "program)"},
        {"Content-Type: message/rfc822\n\nFrom: b@b.example\nSubject: one\n"
         "Content-Type: message/rfc822\n\nFrom: c@b.example\nSubject: two\n"
         "Content-Type: message/rfc822\n\nFrom: d@b.example\nSubject: three\n"
         "Content-Type: message/rfc822\n\nFrom: e@b.example\nSubject: four\n\ndeep text\n",
         "-------- Forwarded message --------\nFrom: b@b.example\nSubject: one\n\n"
         "-------- Forwarded message --------\nFrom: c@b.example\nSubject: two\n\n"
         "-------- Forwarded message --------\nFrom: d@b.example\nSubject: three\n\n"
         "-------- Forwarded message --------\nFrom: e@b.example\nSubject: four"},
        {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nHello\n"
         "--b\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:R\n"
         "END:VEVENT\nEND:VCALENDAR\n--b--\n",
         "Hello"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("%s%s", head, cases[i].mail);
        struct mail_msg *m = parse_str(text, NULL);

        assert_non_null(m);
        assert_int_equal(m->natt, 1);
        assert_string_equal(m->body, cases[i].body);
        mail_msg_free(&m);
        free(text);
    }
}

/* An invitation alone, read with libical (src/mail/parse.c): a long SUMMARY folded over lines
 * (CRLF, a space and a tab continuing it) with its escapes, a CN quoted because it holds ':' and
 * ';', the seconds of a time, an alarm whose SUMMARY is not the event's, whole days, METHOD
 * saying more than the Content-Type, a task's DUE, and calendars that cannot be read. */
static void
test_invitation(void **state)
{
    static const char head[] = "From: a@b.example\nTo: s@example.com\nSubject: x\n"
                               "Content-Type: text/calendar; method=REQUEST; name=x.ics\n\n";
    static const char unread[] = "Calendar invitation (could not be read): open the attachment "
                                 "x.ics with your calendar program";
    static const struct {
        const char *ics, *body;
    } cases[] = {
        /* a folded long SUMMARY; a quoted CN with ':' and ';'; seconds; the same day in a zone */
        {"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1@b.example\r\n"
         "SUMMARY:Quarterly business review with the whole sales team and the partn\r\n"
         " ers from Vienna\\, Graz\\; and Linz\\nthe agenda is\r\n\t attached\r\n"
         "ORGANIZER;CN=\"Doe: Jo; Sales\";ROLE=CHAIR:MAILTO:jo@b.example\r\n"
         "DTSTART;TZID=America/New_York:20250310T143015\r\n"
         "DTEND;TZID=America/New_York:20250310T153000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
         "Meeting request\nWhat: Quarterly business review with the whole sales team and the "
         "partners from Vienna, Graz; and Linz the agenda is attached\nWhen: 2025-03-10 "
         "14:30:15–15:30 America/New_York\nOrganizer: Doe: Jo; Sales <jo@b.example>"},
        /* an alarm before the event's own SUMMARY and LOCATION: neither of its wins */
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250108T090000Z\nBEGIN:VALARM\n"
         "ACTION:DISPLAY\nSUMMARY:Reminder\nDESCRIPTION:Reminder\nTRIGGER:-PT15M\nEND:VALARM\n"
         "SUMMARY:Review\nLOCATION:Room 1\nEND:VEVENT\nEND:VCALENDAR\n",
         "Meeting request\nWhat: Review\nWhen: 2025-01-08 09:00 UTC\nWhere: Room 1"},
        /* an event without a SUMMARY of its own: its alarm's is not taken */
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250108T090000Z\nBEGIN:VALARM\n"
         "ACTION:DISPLAY\nSUMMARY:Reminder\nTRIGGER:-PT15M\nEND:VALARM\nEND:VEVENT\n"
         "END:VCALENDAR\n",
         "Meeting request\nWhen: 2025-01-08 09:00 UTC"},
        /* an answer: the attendee's CN with ':' and ';', in quotes */
        {"BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nSUMMARY:Review\n"
         "ATTENDEE;CN=\"Roe; Ann: QA\";PARTSTAT=TENTATIVE:mailto:ann@b.example\n"
         "DTSTART:20250108T090000Z\nDTEND:20250108T100000Z\nEND:VEVENT\nEND:VCALENDAR\n",
         "Answer to a meeting request\nWhat: Review\nWhen: 2025-01-08 09:00–10:00 UTC\n"
         "Answer: Roe; Ann: QA <ann@b.example>: tentative"},
        /* whole days: one day (DTEND the next), one day without DTEND, three days */
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20250501\n"
         "DTEND;VALUE=DATE:20250502\nEND:VEVENT\nEND:VCALENDAR\n",
         "Meeting request\nWhat: Fair\nWhen: 2025-05-01"},
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20250501\n"
         "LOCATION:Hall 3\nEND:VEVENT\nEND:VCALENDAR\n",
         "Meeting request\nWhat: Fair\nWhen: 2025-05-01\nWhere: Hall 3"},
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20250228\n"
         "DTEND;VALUE=DATE:20250303\nEND:VEVENT\nEND:VCALENDAR\n",
         "Meeting request\nWhat: Fair\nWhen: 2025-02-28 – 2025-03-02"},
        /* METHOD:CANCEL in the calendar says more than the Content-Type's method=REQUEST */
        {"BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\nSUMMARY:Review\n"
         "DTSTART;TZID=Europe/Berlin:20250108T100000\nDTEND;TZID=Europe/Berlin:20250108T113000\n"
         "ORGANIZER:mailto:olga@b.example\nEND:VEVENT\nEND:VCALENDAR\n",
         "Meeting cancelled\nWhat: Review\nWhen: 2025-01-08 10:00–11:30 Europe/Berlin\n"
         "Organizer: olga@b.example"},
        /* the first item is a task: DUE is its end; floating times have no zone */
        {"BEGIN:VCALENDAR\nBEGIN:VTODO\nSUMMARY:Send the offer\nDTSTART:20250108T090000\n"
         "DUE:20250110T170000\nEND:VTODO\nBEGIN:VEVENT\nSUMMARY:Later\nEND:VEVENT\n"
         "END:VCALENDAR\n",
         "Meeting request\nWhat: Send the offer\nWhen: 2025-01-08 09:00 – 2025-01-10 17:00"},
        /* broken: cut off before its END lines, an event outside a calendar, a calendar
         * without an event, an event with neither SUMMARY nor DTSTART, not iCalendar */
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Review\nDTSTART:20250108T090000Z\n", unread},
        {"BEGIN:VEVENT\nSUMMARY:Review\nDTSTART:20250108T090000Z\nEND:VEVENT\n", unread},
        {"BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VTIMEZONE\nTZID:Europe/Berlin\n"
         "END:VTIMEZONE\nEND:VCALENDAR\n",
         unread},
        {"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1@b.example\nLOCATION:Room 1\nEND:VEVENT\n"
         "END:VCALENDAR\n",
         unread},
        {"SUMMARY:Review\nDTSTART:20250108T090000Z\n", unread},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("%s%s", head, cases[i].ics);
        struct mail_msg *m = parse_str(text, NULL);

        assert_non_null(m);
        assert_int_equal(m->natt, 1);
        if (strcmp(m->body, cases[i].body) != 0)
            fail_msg("invitation %zu: got\n%s\nwant\n%s", i, m->body, cases[i].body);
        mail_msg_free(&m);
        free(text);
    }
}

/* A NUL in a header line goes, and the rest of the value stays. */
static void
test_nul_header(void **state)
{
    static const char text[] = "From: a@b.example\nTo: s@example.com\nSubject: N\0UL subj\n\nx\n";
    char *buf = xmalloc(sizeof text - 1);
    struct ccrm_err err;
    struct mail_msg *m;

    (void)state;
    memcpy(buf, text, sizeof text - 1);
    m = mail_parse(buf, sizeof text - 1, NULL, &err);
    assert_non_null(m);
    assert_string_equal(m->subject, "NUL subj");
    mail_msg_free(&m);
}

static void
write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

static void
test_mbox(void **state)
{
    char path[] = "/tmp/ccrm-test-mbox-XXXXXX";
    struct mail_mbox *mb;
    struct ccrm_err err;
    char *buf;
    size_t n;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "From a@b Mon Dec  2 10:00:00 2024\n"
                     "From: a@b\nSubject: one\n\nline\n>From the start\n>>From two\n"
                     "From inside without a blank line before\n\n"
                     "From c@d Mon Dec  2 10:00:01 2024\n"
                     "From: c@d\nSubject: two\n\nlast\n\n\n"
                     "From e@f Mon Dec  2 10:00:02 2024\n"
                     "From: e@f\nSubject: three\n\nno newline at the end");
    mb = mail_mbox_open(path, &err);
    assert_non_null(mb);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 1);
    assert_int_equal(n, strlen("From: a@b\nSubject: one\n\nline\nFrom the start\n>From two\nFrom "
                               "inside without a blank line before\n"));
    assert_memory_equal(buf, "From: a@b\nSubject: one\n\nline\nFrom the start\n>From two\n", 51);
    free(buf);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 1);
    assert_int_equal(n, strlen("From: c@d\nSubject: two\n\nlast\n\n"));
    free(buf);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 1);
    assert_int_equal(n, strlen("From: e@f\nSubject: three\n\nno newline at the end"));
    free(buf);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 0);
    assert_int_equal(mail_mbox_done(mb), mail_mbox_size(mb));
    mail_mbox_close(&mb);

    /* a body's "From " line that the writer did not escape, after an empty line, is no
     * separator (a separator names the sender and a time with its seconds, as asctime writes
     * it, or only the sender's address; "From 9:00 to 17:30" has times, not asctime's); CR LF
     * lines */
    write_file(path, "From a@b Mon Dec  2 10:00:00 2024\r\n"
                     "From: a@b\r\nSubject: one\r\n\r\nline\r\n\r\n"
                     "From my point of view, this is wrong.\r\n\r\nFrom here\r\nend\r\n\r\n"
                     "From 9:00 to 17:30 we are open.\r\n\r\n"
                     "From c@d\r\nFrom: c@d\r\nSubject: two\r\n\r\nlast\r\n");
    mb = mail_mbox_open(path, &err);
    assert_non_null(mb);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 1);
    assert_int_equal(n, strlen("From: a@b\r\nSubject: one\r\n\r\nline\r\n\r\nFrom my point of "
                               "view, this is wrong.\r\n\r\nFrom here\r\nend\r\n\r\nFrom "
                               "9:00 to 17:30 we are open.\r\n"));
    assert_memory_equal(buf, "From: a@b\r\nSubject: one\r\n\r\nline\r\n\r\nFrom my point of view",
                        56);
    free(buf);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 1);
    assert_int_equal(n, strlen("From: c@d\r\nSubject: two\r\n\r\nlast\r\n"));
    free(buf);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), 0);
    mail_mbox_close(&mb);

    write_file(path, "Subject: not an mbox\n\n");
    mb = mail_mbox_open(path, &err);
    assert_int_equal(mail_mbox_next(mb, &buf, &n, &err), -1);
    assert_non_null(strstr(err.msg, "is not an mbox file"));
    mail_mbox_close(&mb);
    unlink(path);
}

static void
test_compose(void **state)
{
    struct mail_out o = {
        .id = 1,
        .message_id = "ccrm.0123456789abcdef@example.com",
        .from_addr = "support@example.com",
        .from_name = "Example Support",
        .reply_to = "support+t12@example.com",
        .to = "\"Müller, Jörg\" <joerg@example.net>",
        .cc = "boss@example.net",
        .subject = "Re: Drucker kaputt 😁 [#12]\nBcc: evil@example.org",
        .body = "Hallo Jörg,\n\nder Drucker ist repariert.\n",
        .in_reply_to = "abc@example.net",
        .references = "root@example.net abc@example.net",
        .date = INT64_C(1733130000000000),
    };
    struct ccrm_err err;
    struct mail_msg *m;
    size_t len;
    char *s = mail_compose(&o, &len, &err);

    (void)state;
    assert_non_null(s);
    assert_null(strstr(s, "\nBcc:"));
    /* the text is UTF-8 as its label says ("ö" is C3 B6), quoted-printable */
    assert_non_null(strstr(s, "Content-Type: text/plain; charset=utf-8"));
    assert_non_null(strstr(s, "Hallo J=C3=B6rg"));
    m = parse_str(s, NULL);
    assert_string_equal(m->message_id, o.message_id);
    assert_string_equal(m->from_addr, "support@example.com");
    assert_string_equal(m->from_name, "Example Support");
    assert_string_equal(m->reply_to, "support+t12@example.com");
    assert_string_equal(m->in_reply_to, "abc@example.net");
    assert_string_equal(m->references, "root@example.net abc@example.net");
    assert_string_equal(m->subject, "Re: Drucker kaputt 😁 [#12] Bcc: evil@example.org");
    assert_string_equal(m->recipients, "joerg@example.net boss@example.net");
    assert_string_equal(m->body, "Hallo Jörg,\n\nder Drucker ist repariert.");
    assert_int_equal(m->date, o.date);
    mail_msg_free(&m);
    free(s);
    o.to = "";
    assert_null(mail_compose(&o, &len, &err));
}

/* A quote's or an invoice's mail (ccrm_billing_send): multipart/mixed, the text first, then each
 * file in base64 with its name and type; parsed back, the bytes are the same (binary, NUL bytes
 * included), the names too (a non-ASCII one RFC 2231 encoded), and the text is the body. */
static void
test_compose_attachments(void **state)
{
    char pdf[3000], xml[] = "<?xml version=\"1.0\"?>\n<Invoice>2026-00001 \xc3\xa4</Invoice>\n";
    char n1[] = "invoice-2026-00001.pdf", t1[] = "application/pdf";
    char n2[] = "Rechnung-2026-00001 \xc3\xbc.xml", t2[] = "application/xml";
    struct mail_attachment att[2] = {
        {n1, t1, sizeof pdf, pdf},
        {n2, t2, sizeof xml - 1, xml},
    };
    struct mail_out o = {
        .id = 2,
        .message_id = "ccrm.fedcba9876543210@example.com",
        .from_addr = "billing@example.com",
        .from_name = "Example Billing",
        .to = "\"Anna Berger\" <anna@example.net>",
        .subject = "Invoice 2026-00001",
        .body = "Dear Anna Berger,\n\nplease find attached our invoice 2026-00001.\n",
        .date = INT64_C(1733130000000000),
        .att = att,
        .natt = 2,
    };
    struct mail_parse_opts keep = {1024 * 1024, NULL, 0};
    struct ccrm_err err;
    struct mail_msg *m;
    size_t len, i;
    char *s;

    (void)state;
    for (i = 0; i < sizeof pdf; i++)
        pdf[i] = (char)(i * 2654435761u >> 24);
    memcpy(pdf, "%PDF-1.5\n", 9);
    s = mail_compose(&o, &len, &err);
    assert_non_null(s);
    assert_non_null(strstr(s, "Content-Type: multipart/mixed"));
    assert_non_null(strstr(s, "Content-Type: application/pdf"));
    assert_non_null(strstr(s, "Content-Disposition: attachment"));
    assert_non_null(strstr(s, "Content-Transfer-Encoding: base64"));
    assert_non_null(strstr(s, "invoice-2026-00001.pdf"));
    for (i = 0; i < len; i++) /* 7-bit clean: base64, quoted-printable, encoded headers */
        assert_true((unsigned char)s[i] < 128 && s[i] != '\0');
    m = parse_str(s, &keep);
    assert_string_equal(m->subject, "Invoice 2026-00001");
    assert_string_equal(m->body,
                        "Dear Anna Berger,\n\nplease find attached our invoice 2026-00001.");
    assert_int_equal(m->natt, 2);
    assert_string_equal(m->att[0].name, "invoice-2026-00001.pdf");
    assert_string_equal(m->att[0].type, "application/pdf");
    assert_int_equal(m->att[0].size, sizeof pdf);
    assert_memory_equal(m->att[0].content, pdf, sizeof pdf);
    assert_string_equal(m->att[1].name, "Rechnung-2026-00001 \xc3\xbc.xml");
    assert_string_equal(m->att[1].type, "application/xml");
    assert_int_equal(m->att[1].size, sizeof xml - 1);
    assert_memory_equal(m->att[1].content, xml, sizeof xml - 1);
    mail_msg_free(&m);
    free(s);
    /* an attachment whose bytes were not kept is refused, not sent empty */
    att[1].content = NULL;
    assert_null(mail_compose(&o, &len, &err));
    assert_non_null(strstr(err.msg, "could not attach"));
}

/* A 20 MB mail: a 15 MB attachment over a 10 MB limit keeps its size only; with a higher limit
 * the bytes come through intact. */
static void
test_big(void **state)
{
    size_t raw = 15 * 1024 * 1024, i;
    char *bytes = xmalloc(raw), *b64, *mail;
    struct mail_parse_opts small = {10 * 1024 * 1024, NULL, 0}, big = {32 * 1024 * 1024, NULL, 0};
    struct ccrm_err err;
    struct mail_msg *m;
    GString *s;
    size_t n;

    (void)state;
    for (i = 0; i < raw; i++)
        bytes[i] = (char)(i * 2654435761u >> 24);
    b64 = g_base64_encode((const guchar *)bytes, raw);
    s = g_string_new("From: big@example.net\nTo: support@example.com\nSubject: big\n"
                     "Message-ID: <big@example.net>\nMIME-Version: 1.0\n"
                     "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                     "Content-Type: text/plain\n\nsee the file\n--b\n"
                     "Content-Type: application/octet-stream; name=big.bin\n"
                     "Content-Transfer-Encoding: base64\n\n");
    n = strlen(b64);
    for (i = 0; i < n; i += 76) {
        g_string_append_len(s, b64 + i, n - i < 76 ? (gssize)(n - i) : 76);
        g_string_append_c(s, '\n');
    }
    g_string_append(s, "--b--\n");
    assert_true(s->len > 20 * 1000 * 1000);
    n = s->len;
    mail = xmalloc(n);
    memcpy(mail, s->str, n);
    m = mail_parse(mail, n, &small, &err);
    assert_non_null(m);
    assert_int_equal(m->natt, 1);
    assert_int_equal(m->att[0].size, raw);
    assert_null(m->att[0].content);
    assert_string_equal(m->body, "see the file");
    mail_msg_free(&m);
    mail = xmalloc(n);
    memcpy(mail, s->str, n);
    m = mail_parse(mail, n, &big, &err);
    assert_int_equal(m->att[0].size, raw);
    assert_non_null(m->att[0].content);
    assert_memory_equal(m->att[0].content, bytes, raw);
    mail_msg_free(&m);
    g_string_free(s, TRUE);
    g_free(b64);
    free(bytes);
}

/* A file for an answer (src/mail/attach_file.c): its name and type, the limit, the refusals. */
static void
test_attach_file(void **state)
{
    char dir[] = "/tmp/ccrm-attach-XXXXXX", path[256], big[512];
    struct mail_attachment a;
    struct ccrm_err err;
    FILE *f;

    (void)state;
    assert_string_equal(mail_type_for_name("Bericht.PDF"), "application/pdf");
    assert_string_equal(mail_type_for_name("plan.png"), "image/png");
    assert_string_equal(mail_type_for_name("a.tar.gz"), "application/gzip");
    assert_string_equal(mail_type_for_name("README"), "application/octet-stream");
    assert_string_equal(mail_type_for_name(".profile"), "application/octet-stream");
    assert_string_equal(mail_type_for_name("x.unknown"), "application/octet-stream");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path,
             "%s/\xc3\x9c"
             "bersicht M\xc3\xa4"
             "rz.csv",
             dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fwrite("a;b\n\0x\n", 1, 7, f); /* a NUL byte is kept: the bytes go as they are */
    fclose(f);
    assert_int_equal(mail_attach_file(path, 7, &a, &err), 0);
    assert_string_equal(a.name, "\xc3\x9c"
                                "bersicht M\xc3\xa4"
                                "rz.csv");
    assert_string_equal(a.type, "text/csv");
    assert_int_equal(a.size, 7);
    assert_memory_equal(a.content, "a;b\n\0x\n", 7);
    mail_attachment_fini(&a);
    /* one byte over the limit */
    assert_int_equal(mail_attach_file(path, 6, &a, &err), -1);
    snprintf(big, sizeof big,
             "could not attach \"%s\": 7 bytes is more than the 6 bytes of [mail] "
             "attachment_max",
             path);
    assert_string_equal(err.msg, big);
    assert_null(a.content);
    assert_int_equal(mail_attach_file(dir, 1000, &a, &err), -1);
    assert_non_null(strstr(err.msg, "it is a directory"));
    snprintf(big, sizeof big, "%s/nothing.pdf", dir);
    assert_int_equal(mail_attach_file(big, 1000, &a, &err), -1);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_int_equal(mail_attach_file("  ", 1000, &a, &err), -1);
    unlink(path);
    rmdir(dir);
}

/* Whether process pid is gone (or a zombie no one has reaped yet: dead all the same). */
static int
process_gone(pid_t pid)
{
    char path[64], st[256];
    FILE *f;
    size_t n;
    char *paren;

    if (kill(pid, 0) == -1)
        return 1;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 1;
    n = fread(st, 1, sizeof st - 1, f);
    fclose(f);
    st[n] = '\0';
    paren = strrchr(st, ')');
    return paren != NULL && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

/* A sendmail that hangs is killed at its time limit with everything it started: a script's
 * sleep does not outlive it (the kill goes to its process group). */
static void
test_sendmail_hang(void **state)
{
    char dir[] = "/tmp/ccrm-test-sendmail-XXXXXX", script[128], pidf[128], cmd[160];
    struct ccrm_err err;
    long child = 0;
    FILE *f;
    int i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(script, sizeof script, "%s/sendmail", dir);
    snprintf(pidf, sizeof pidf, "%s/sleep.pid", dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\ncat >/dev/null\nsleep 60 &\necho $! >%s\nwait\n", pidf);
    fclose(f);
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(cmd, sizeof cmd, "%s -t -oi", script);
    assert_int_equal(mail_sendmail(cmd, "Subject: x\n\nbody\n", 17, 1, &err), -1);
    assert_non_null(strstr(err.msg, "did not finish within 1 s"));
    f = fopen(pidf, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%ld", &child), 1);
    fclose(f);
    for (i = 0; i < 40 && !process_gone((pid_t)child); i++)
        usleep(50000);
    if (!process_gone((pid_t)child)) {
        kill((pid_t)child, SIGKILL);
        fail_msg("the sendmail's child %ld outlived the time limit", child);
    }
    unlink(pidf);
    unlink(script);
    rmdir(dir);
}

/* A sendmail that closes its standard error (a wrapper that logs to a file: exec 2>>LOG) and
 * then hangs on a relay is held to the time limit all the same: the wait for its exit used to
 * have none once the pipe of its standard error was closed, and --send-mail (or the client's
 * sending child) waited for it for ever with the claim's mails. */
static void
test_sendmail_hang_quiet(void **state)
{
    char dir[] = "/tmp/ccrm-test-sendmail-XXXXXX", script[128], cmd[160];
    struct ccrm_err err;
    struct timespec a, b;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(script, sizeof script, "%s/sendmail", dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\nexec 2>/dev/null\ncat >/dev/null\nexec sleep 8\n");
    fclose(f);
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(cmd, sizeof cmd, "%s -t -oi", script);
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(mail_sendmail(cmd, "Subject: x\n\nbody\n", 17, 1, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_non_null(strstr(err.msg, "did not finish within 1 s"));
    if (b.tv_sec - a.tv_sec > 4)
        fail_msg("mail_sendmail took %ld s for a time limit of 1 s", (long)(b.tv_sec - a.tv_sec));
    unlink(script);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_derived_id),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_not_a_mail),
        cmocka_unit_test(test_recipients),
        cmocka_unit_test(test_odd_senders),
        cmocka_unit_test(test_nul_header),
        cmocka_unit_test(test_lost_boundary),
        cmocka_unit_test(test_mbox),
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_compose_attachments),
        cmocka_unit_test(test_attach_file),
        cmocka_unit_test(test_loose_from),
        cmocka_unit_test(test_address_text),
        cmocka_unit_test(test_sendmail_hang),
        cmocka_unit_test(test_sendmail_hang_quiet),
        cmocka_unit_test(test_no_text),
        cmocka_unit_test(test_invitation),
    };
    int rc;

    mail_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    mail_shutdown();
    return rc;
}
