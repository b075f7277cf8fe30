/* Private to src/mail/: helpers shared by the parser, the HTML converter and the composer. */
#ifndef CCRM_MAIL_INT_H
#define CCRM_MAIL_INT_H

#include <stddef.h>

#include <gmime/gmime.h>

/* The parser options every parse uses (loose RFC compliance, UTF-8 then Windows-1252 for raw
 * 8-bit headers). Initialises GMime on first use. */
GMimeParserOptions *mail_parser_options(void);

/* s[0..n) as valid UTF-8 without NUL bytes (malloc'd). one_line: control characters become
 * single spaces, trailing spaces go, at most 4,000 bytes; else CRLF and CR become LF. NULL for
 * NULL. */
char *mail_clean(const char *s, size_t n, int one_line);

#endif
