/* Loading ccrm-mail.so and ccrm-doc.so on first use (src/ext/ext.h says why), and the functions
 * of include/ccrm/mail.h, billing.h and ics.h that live in them, as forwarders: the rest of the
 * binary calls them as if they were linked in. A module is looked for next to the binary (a
 * build tree), in ../lib/ccrm from it, then in the directory it was installed to; CCRM_MODULE_DIR
 * overrides all three. A module that cannot be loaded makes the call fail with the reason. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccrm/billing.h"
#include "ccrm/err.h"
#include "ccrm/ics.h"
#include "ccrm/mail.h"
#include "ccrm/util.h"
#include "ext/ext.h"

#ifndef CCRM_MODULE_DIR
#define CCRM_MODULE_DIR "/usr/local/lib/ccrm"
#endif

struct module {
    const char *file;   /* ccrm-mail.so */
    const char *symbol; /* its table */
    size_t size;        /* the table's size in this binary */
    const void *table;  /* once loaded */
    char *error;        /* why it could not be loaded; NULL before (kept for the process) */
};

static struct module mail_mod = {"ccrm-mail.so", EXT_MAIL_SYMBOL, sizeof(struct ext_mail), NULL,
                                 NULL};
static struct module doc_mod = {"ccrm-doc.so", EXT_DOC_SYMBOL, sizeof(struct ext_doc), NULL, NULL};

/* dir/file loaded, or NULL with why in m->error (the first reason kept: the likeliest place) */
static void *
try_open(struct module *m, const char *dir)
{
    char path[PATH_MAX];
    void *h;

    if (snprintf(path, sizeof path, "%s/%s", dir, m->file) >= (int)sizeof path)
        return NULL;
    if (access(path, F_OK) != 0)
        return NULL;
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL && m->error == NULL)
        m->error = xasprintf("could not load %s: %s", path, dlerror());
    return h;
}

static const void *
load(struct module *m)
{
    char exe[PATH_MAX], dir[PATH_MAX + 16];
    const char *env = getenv("CCRM_MODULE_DIR");
    const struct ext_head *head;
    void *h = NULL;
    ssize_t n;

    if (m->table != NULL || m->error != NULL)
        return m->table;
    if (env != NULL && env[0] != '\0') {
        h = try_open(m, env);
    } else {
        n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            char *slash;

            exe[n] = '\0';
            slash = strrchr(exe, '/');
            if (slash != NULL)
                *slash = '\0';
            h = try_open(m, exe);
            if (h == NULL) {
                snprintf(dir, sizeof dir, "%s/../lib/ccrm", exe);
                h = try_open(m, dir);
            }
        }
        if (h == NULL)
            h = try_open(m, CCRM_MODULE_DIR);
    }
    if (h == NULL) {
        if (m->error == NULL)
            m->error = env != NULL && env[0] != '\0'
                           ? xasprintf("could not find %s in %s (CCRM_MODULE_DIR)", m->file, env)
                           : xasprintf("could not find %s next to the ccrm binary, in "
                                       "../lib/ccrm or in %s",
                                       m->file, CCRM_MODULE_DIR);
        return NULL;
    }
    head = dlsym(h, m->symbol);
    if (head == NULL || head->version != EXT_VERSION || head->size != m->size) {
        free(m->error);
        m->error = xasprintf("could not use %s: it belongs to another ccrm version", m->file);
        /* not dlclose()d: what its libraries' constructors allocated would then be lost */
        return NULL;
    }
    free(m->error); /* a place tried before did not have it */
    m->error = NULL;
    m->table = head;
    return m->table;
}

static const struct ext_mail *
mail_ext(struct ccrm_err *err)
{
    const struct ext_mail *t = load(&mail_mod);

    if (t == NULL && err != NULL)
        err_set(err, "%s", mail_mod.error);
    return t;
}

static const struct ext_doc *
doc_ext(struct ccrm_err *err)
{
    const struct ext_doc *t = load(&doc_mod);

    if (t == NULL && err != NULL)
        err_set(err, "%s", doc_mod.error);
    return t;
}

/* ---- include/ccrm/mail.h ---- */

int
mail_ready(struct ccrm_err *err)
{
    return mail_ext(err) != NULL ? 0 : -1;
}

void
mail_init(void)
{
    const struct ext_mail *t = mail_ext(NULL);

    if (t != NULL)
        t->init();
}

void
mail_shutdown(void)
{
    if (mail_mod.table != NULL)
        ((const struct ext_mail *)mail_mod.table)->shutdown();
}

struct mail_msg *
mail_parse(char *buf, size_t n, const struct mail_parse_opts *o, struct ccrm_err *err)
{
    const struct ext_mail *t = mail_ext(err);

    if (t == NULL) {
        free(buf); /* the parse takes the buffer over, also when it fails */
        return NULL;
    }
    return t->parse(buf, n, o, err);
}

void
mail_msg_free(struct mail_msg **mp)
{
    if (mail_mod.table != NULL)
        ((const struct ext_mail *)mail_mod.table)->msg_free(mp);
}

char *
mail_compose(const struct mail_out *o, size_t *len, struct ccrm_err *err)
{
    const struct ext_mail *t = mail_ext(err);

    return t != NULL ? t->compose(o, len, err) : NULL;
}

int
mail_addresses_check(const char *text, const char *what, struct ccrm_err *err)
{
    const struct ext_mail *t;

    if (text == NULL || *text == '\0') /* (nothing to check: the module is not loaded for it) */
        return 0;
    t = mail_ext(err);
    return t != NULL ? t->addresses_check(text, what, err) : -1;
}

/* ---- include/ccrm/billing.h ---- */

int
bill_write_pdf(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
               struct ccrm_err *err)
{
    const struct ext_doc *t = doc_ext(err);

    return t != NULL ? t->write_pdf(d, co, f, err) : -1;
}

void
bill_pdf_shutdown(void)
{
    if (doc_mod.table != NULL)
        ((const struct ext_doc *)doc_mod.table)->pdf_shutdown();
}

int
bill_write_ubl(const struct bill_doc *d, const struct ccrm_company *co, FILE *f,
               struct ccrm_err *err)
{
    const struct ext_doc *t = doc_ext(err);

    return t != NULL ? t->write_ubl(d, co, f, err) : -1;
}

/* ---- include/ccrm/ics.h ---- */

char *
ics_render(const struct ics_item *items, int n, const char *calname, struct ccrm_err *err)
{
    const struct ext_doc *t = doc_ext(err);

    return t != NULL ? t->ics_render(items, n, calname, err) : NULL;
}

int
ics_check(const char *text, int *events, int *todos)
{
    const struct ext_doc *t = doc_ext(NULL);

    return t != NULL ? t->ics_check(text, events, todos) : -1;
}
