/* ccrm-mail.so: the mail functions of src/mail/ (GMime, libxml2) as one table (src/ext/ext.h). */
#include "ccrm/mail.h"
#include "ext/ext.h"

__attribute__((visibility("default"))) const struct ext_mail ccrm_ext_mail = {
    .head = {EXT_VERSION, sizeof(struct ext_mail)},
    .init = mail_init,
    .shutdown = mail_shutdown,
    .parse = mail_parse,
    .msg_free = mail_msg_free,
    .compose = mail_compose,
    .addresses_check = mail_addresses_check,
};
