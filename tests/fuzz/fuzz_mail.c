/* libFuzzer target over the mail parser and what it hands to routing (src/mail): the first
 * byte picks a mode, the rest is the input.
 *   0  a whole mail (mail_parse), then the invariants routing relies on: every string valid
 *      UTF-8 without NUL, Message-IDs and recipients without spaces or <>, recipients in lower
 *      case, at most 50 references, a one-line subject, attachment sizes that match their
 *      bytes; then the mail composed again from its fields and parsed back (same Message-ID)
 *   1  HTML to text (mail_html_to_text)
 *   2  bytes in a charset named by the input's first line (mail_to_utf8)
 *   3  an mbox file (mail_mbox_*), each mail parsed
 * Build and run with tests/fuzz/run_mail.sh [SECONDS]. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "ccrm/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
text_ok(const char *s, int one_line)
{
    const char *p;

    if (s == NULL)
        return;
    if (!g_utf8_validate(s, -1, NULL))
        __builtin_trap();
    if (one_line)
        for (p = s; *p != '\0'; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                __builtin_trap();
}

static void
word_ok(const char *s, int lower)
{
    const char *p;

    if (s == NULL)
        return;
    text_ok(s, 1);
    for (p = s; *p != '\0'; p++)
        if (*p == '<' || *p == '>' || (lower && *p >= 'A' && *p <= 'Z'))
            __builtin_trap();
}

static void
check(const struct mail_msg *m)
{
    const char *p;
    int i, refs = 0;

    if (m->message_id == NULL || *m->message_id == '\0' || strchr(m->message_id, ' ') != NULL)
        __builtin_trap();
    word_ok(m->message_id, 0);
    word_ok(m->in_reply_to, 0);
    if (m->in_reply_to != NULL && strchr(m->in_reply_to, ' ') != NULL)
        __builtin_trap();
    word_ok(m->references, 0);
    for (p = m->references; p != NULL && *p != '\0'; p++)
        refs += *p == ' ';
    if (m->references != NULL && refs + 1 > 50)
        __builtin_trap();
    word_ok(m->recipients, 1);
    text_ok(m->from_addr, 1);
    text_ok(m->from_name, 1);
    text_ok(m->reply_to, 1);
    text_ok(m->to, 1);
    text_ok(m->cc, 1);
    text_ok(m->subject, 1);
    text_ok(m->body, 0);
    if (m->subject == NULL || m->body == NULL)
        __builtin_trap();
    for (i = 0; i < m->natt; i++) {
        const struct mail_attachment *a = &m->att[i];

        text_ok(a->name, 1);
        text_ok(a->type, 1);
        if (a->name == NULL || *a->name == '\0' || strlen(a->name) > 255 ||
            strchr(a->name, '/') != NULL || a->type == NULL || strchr(a->type, '/') == NULL)
            __builtin_trap();
        if (a->content != NULL && a->size > 4096)
            __builtin_trap(); /* over the limit: no bytes */
    }
}

static void
roundtrip(const struct mail_msg *m)
{
    struct mail_out o;
    struct ccrm_err err;
    struct mail_msg *back;
    size_t len;
    char *s;

    if (m->from_addr == NULL || strchr(m->from_addr, '@') == NULL || m->derived_id)
        return;
    memset(&o, 0, sizeof o);
    o.message_id = m->message_id;
    o.from_addr = "support@example.com";
    o.from_name = m->from_name;
    o.to = m->from_addr;
    o.cc = m->cc;
    o.subject = m->subject;
    o.body = m->body;
    o.in_reply_to = m->in_reply_to;
    o.references = m->references;
    o.date = INT64_C(1733130000000000);
    s = mail_compose(&o, &len, &err);
    if (s == NULL)
        return;
    back = mail_parse(s, len, NULL, &err);
    if (back == NULL)
        __builtin_trap();
    check(back);
    mail_msg_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mail_parse_opts o = {4096, "Env@Example.COM", 0};
    struct ccrm_err err;
    struct mail_msg *m;
    char *buf, *t;

    if (size < 1)
        return 0;
    mail_init();
    switch (data[0] % 4) {
    case 0:
        buf = malloc(size - 1 + 1);
        memcpy(buf, data + 1, size - 1);
        m = mail_parse(buf, size - 1, &o, &err);
        if (m != NULL) {
            check(m);
            roundtrip(m);
            mail_msg_free(&m);
        }
        break;
    case 1:
        t = mail_html_to_text((const char *)data + 1, size - 1);
        text_ok(t, 0);
        free(t);
        break;
    case 2: {
        const uint8_t *nl = memchr(data + 1, '\n', size - 1);
        char cs[64] = "";
        size_t cl = nl != NULL ? (size_t)(nl - data - 1) : 0;

        if (cl >= sizeof cs)
            cl = sizeof cs - 1;
        memcpy(cs, data + 1, cl);
        t = nl != NULL ? mail_to_utf8((const char *)nl + 1, size - (size_t)(nl + 1 - data), cs)
                       : mail_to_utf8((const char *)data + 1, size - 1, NULL);
        text_ok(t, 0);
        free(t);
        break;
    }
    case 3: {
        int fd = memfd_create("mbox", 0);
        char path[64];
        struct mail_mbox *mb;
        size_t n;

        if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
            if (fd >= 0)
                close(fd);
            break;
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        mb = mail_mbox_open(path, &err);
        while (mb != NULL && mail_mbox_next(mb, &buf, &n, &err) == 1) {
            m = mail_parse(buf, n, &o, &err);
            if (m != NULL) {
                check(m);
                mail_msg_free(&m);
            }
        }
        mail_mbox_close(&mb);
        close(fd);
        break;
    }
    }
    return 0;
}
