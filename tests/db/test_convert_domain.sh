#!/usr/bin/env bash
# A lead converted into a new account gives the account its domain from the person's address
# (lena@martin-consulting.com: martin-consulting.com), so the account is found by its domain
# and the duplicate finder compares it; a mailbox provider's domain (gmail.com, web.de) says
# nothing about the company and is left out. An account found by name keeps its own.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_convert_domain.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
# convert COMPANY EMAIL: the domain of the account the lead went to ('-' for none)
convert() {
    local l
    l=$(q "insert into leads (first_name, last_name, company, email, status, owner)
           values ('Lena', 'Martin', '$1', '$2', 'qualified', 'sam') returning id")
    as sam -c "select ccrm_convert_lead($l, 'Domain probe', 100)" >/dev/null || return 1
    q "select coalesce(a.domain, '-') from leads l join accounts a on a.id = l.account_id
        where l.id = $l"
}

d=$(convert 'Martin Consulting' 'lena@Martin-Consulting.com')
check "a company address gives the new account its domain ($d)" test "$d" = martin-consulting.com
d=$(convert 'Lena Martin Design' 'lena.martin@gmail.com')
check "a gmail.com address gives none ($d)" test "$d" = -
d=$(convert 'Martin Werkstatt' 'lena.martin@web.de')
check "... nor web.de ($d)" test "$d" = -
d=$(convert 'Martin Atelier' 'lena@hotmail.co.uk')
check "... nor hotmail.co.uk ($d)" test "$d" = -
q "insert into accounts (name, domain) values ('Martin Bestand AG', 'bestand.example')" >/dev/null
d=$(convert 'Martin Bestand AG' 'lena@martin-bestand.de')
check "an account found by its name keeps its own domain ($d)" test "$d" = bestand.example
done_testing
