import base64, quopri, os
def w(name, data, crlf=False):
    if isinstance(data, str): data = data.encode('utf-8')
    if crlf: data = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    open(name, 'wb').write(data)
def b64(b, width=76):
    s = base64.b64encode(b).decode()
    return '\n'.join(s[i:i+width] for i in range(0, len(s), width))

# 01 Thunderbird: multipart/alternative, UTF-8, quoted-printable, format=flowed
w('01-alternative.eml', """Return-Path: <anna.berger@kunde-gmbh.de>
Received: from mx.kunde-gmbh.de (mx.kunde-gmbh.de [192.0.2.10])
\tby mail.example.com (Postfix) with ESMTPS id 4B2C11F4
\tfor <support@example.com>; Mon,  2 Dec 2024 09:14:03 +0100 (CET)
Message-ID: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>
Date: Mon, 2 Dec 2024 09:14:01 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: de-DE
To: support@example.com
From: Anna Berger <Anna.Berger@Kunde-GmbH.de>
Subject: Rechnung doppelt abgebucht
Content-Type: multipart/alternative;
 boundary="------------Vx9BtZQ2m0tHk1aZ7CwA3L"

This is a multi-part message in MIME format.
--------------Vx9BtZQ2m0tHk1aZ7CwA3L
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: quoted-printable

Guten Tag,

die Rechnung 2024-117 wurde zweimal von unserem Konto abgebucht (je 1.190,=
00 =E2=82=AC).
K=C3=B6nnen Sie bitte eine Buchung zur=C3=BCckerstatten?

Mit freundlichen Gr=C3=BC=C3=9Fen
Anna Berger

--------------Vx9BtZQ2m0tHk1aZ7CwA3L
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Guten Tag,</p><p>die Rechnung 2024-117 wurde <b>zweimal</b> a=
bgebucht.</p></body></html>

--------------Vx9BtZQ2m0tHk1aZ7CwA3L--
""")

# 02 Outlook: HTML only, windows-1252, quoted-printable, CRLF
html02 = """<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<style><!-- p.MsoNormal {margin:0cm; font-size:11.0pt;} --></style>
<script>alert('x')</script></head>
<body lang="DE">
<div class="WordSection1">
<p class="MsoNormal">Hallo Support-Team,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">seit dem Update zeigt das Dashboard &#8222;Fehler 500&#8220; an.
Folgende Schritte f\u00fchren dazu:</p>
<ol><li>Anmelden</li><li>Auf <b>Berichte</b> klicken</li><li>Zeitraum &gt; 30 Tage w\u00e4hlen</li></ol>
<p class="MsoNormal">Screenshot: <a href="https://files.example.org/s/abc">hier</a><br>
Kosten bisher: 50 \u20ac &amp; viel Zeit.</p>
<table><tr><td>Version</td><td>4.2.1</td></tr><tr><td>Browser</td><td>Edge</td></tr></table>
<p class="MsoNormal">Gr\u00fc\u00dfe<br>Thomas Wei\u00df</p>
<blockquote style="border-left:1px solid">Von: Support<br>Gesendet: Freitag<p>Wir melden uns.</p></blockquote>
</div>
</body>
</html>
"""
qp02 = quopri.encodestring(html02.encode('cp1252')).decode('ascii')
w('02-html-only.eml', """Received: from EUR01-HE1-obe.outbound.protection.outlook.com
From: =?iso-8859-1?Q?Thomas_Wei=DF?= <t.weiss@maschinenbau-weiss.de>
To: "support@example.com" <support@example.com>
Subject: Dashboard zeigt Fehler 500
Thread-Topic: Dashboard zeigt Fehler 500
Date: Tue, 3 Dec 2024 08:02:11 +0000
Message-ID: <AM0PR07MB4123D1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D@AM0PR07MB4123.eurprd07.prod.outlook.com>
Accept-Language: de-DE, en-US
Content-Language: de-DE
Content-Type: text/html; charset="Windows-1252"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

""" + qp02, crlf=True)

# 03 Gmail: multipart/alternative, both base64, UTF-8 with emoji and CJK
t03 = "Hi team,\n\nthe export to CSV stops at 10,000 rows 🙁 — is that a limit?\n\nBest,\n佐藤 花子 (Hanako Sato)\n"
h03 = '<div dir="ltr">Hi team,<div><br></div><div>the export to CSV stops at 10,000 rows 🙁</div></div>'
w('03-base64-utf8.eml', """MIME-Version: 1.0
Date: Wed, 4 Dec 2024 16:45:10 +0900
Message-ID: <CAF7xk=PmB2H5mR8b8u1aQqSd6Jq0b0g+1vP3yQ@mail.gmail.com>
Subject: Export stops at 10,000 rows
From: =?UTF-8?B?5L2Q6JekIOiKseWtkA==?= <hanako.sato.jp@gmail.com>
To: support@example.com
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

""" + b64(t03.encode()) + """

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: base64

""" + b64(h03.encode()) + """

--000000000000a1b2c3d4e5f60718--
""")

# 04 ISO-8859-1 quoted-printable plain text
t04 = "Bonjour,\n\nle module de facturation affiche « erreur de connexion » depuis ce matin.\nMerci de votre aide, très cordialement,\nFrançois Lefèvre\n"
w('04-latin1-qp.eml', """From: =?ISO-8859-1?Q?Fran=E7ois_Lef=E8vre?= <f.lefevre@exemple.fr>
To: Support Example <support@example.com>
Subject: =?ISO-8859-1?Q?Probl=E8me_de_facturation?=
Date: Thu, 05 Dec 2024 10:31:00 +0100
Message-ID: <20241205103100.4711@exemple.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

""" + quopri.encodestring(t04.encode('latin-1')).decode('ascii'))

# 05 Windows-1252 bytes declared as ISO-8859-1, 8bit
b05 = ("Hello,\n\nyour invoice says \u201cpaid\u201d but we were charged \u20ac49 twice \u2013 please check.\n"
       "Regards,\nPeter O\u2019Neill\n").encode('cp1252')
w('05-cp1252.eml', b"""From: Peter O'Neill <peter@oneill-consulting.ie>
To: support@example.com
Subject: Charged twice
Date: Thu, 5 Dec 2024 11:02:44 +0000
Message-ID: <000001db4712$3a2b1c00$0d1e2f3a$@oneill-consulting.ie>
X-Mailer: Microsoft Outlook 16.0
MIME-Version: 1.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: 8bit

""" + b05)

# 06 encoded words: Q and B, adjacent words joined, several charsets, name and subject
w('06-encoded-words.eml', """From: =?utf-8?q?=C5=81ukasz?= =?utf-8?q?_Nowak?= <lukasz.nowak@firma.pl>
To: =?ISO-8859-2?Q?Dzia=B3_wsparcia?= <support@example.com>
Subject: =?UTF-8?B?WmFtw7N3aWVuaWUg?= =?UTF-8?B?bnIgNDIgLSBwcm9zesSZ?=
 =?ISO-8859-2?Q?_o_kontakt_=B1=EA?=
Date: Fri, 06 Dec 2024 07:15:00 +0100
Message-ID: <encoded.words.42@firma.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Dzień dobry, proszę o kontakt w sprawie zamówienia nr 42.
""")

# 07 attachments: PDF with RFC 2231 name, a CSV, an inline image in multipart/related
pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 40
png = bytes.fromhex('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4aa0000000049454e44ae426082')
csv = "Datum;Betrag;Beleg\n2024-11-02;1.190,00;R-2024-117\n2024-11-02;1.190,00;R-2024-117\n".encode('utf-8')
w('07-attachments.eml', """From: Anna Berger <anna.berger@kunde-gmbh.de>
To: support@example.com
Subject: Belege zur doppelten Abbuchung
Date: Mon, 09 Dec 2024 12:00:00 +0100
Message-ID: <attach.9f2b@kunde-gmbh.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix-1"

--mix-1
Content-Type: multipart/related; boundary="rel-1"

--rel-1
Content-Type: text/html; charset=utf-8

<p>Anbei die Kontoausz\u00fcge.</p><p><img src="cid:logo@kunde" alt="Kunde GmbH Logo"></p>
--rel-1
Content-Type: image/png
Content-ID: <logo@kunde>
Content-Transfer-Encoding: base64

""" + b64(png) + """
--rel-1--

--mix-1
Content-Type: application/pdf; name="=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?="
Content-Disposition: attachment;
 filename*=UTF-8''Kontoauszug%20M%C3%A4rz%202024.pdf
Content-Transfer-Encoding: base64

""" + b64(pdf) + """
--mix-1
Content-Type: text/csv; charset=utf-8
Content-Disposition: attachment; filename="../../etc/umsaetze.csv"
Content-Transfer-Encoding: quoted-printable

""" + quopri.encodestring(csv).decode() + """
--mix-1--
""")

# 08 no Message-ID, mbox-style envelope line first (as an MTA pipe delivers)
w('08-no-message-id.eml', """From old.system@legacy.example.net  Sat Dec  7 03:00:01 2024
Return-Path: <old.system@legacy.example.net>
Delivery-date: Sat, 07 Dec 2024 03:00:02 +0100
From: Legacy Billing <old.system@legacy.example.net>
To: support@example.com
Subject: Nightly job failed
Date: Sat, 7 Dec 2024 03:00:00 +0100

The nightly billing export failed with status 3.
""")

# 09 the Message-ID of 01, another content (a broken client, or a resend)
w('09-duplicate-id.eml', """From: Anna Berger <anna.berger@kunde-gmbh.de>
To: support@example.com
Subject: Rechnung doppelt abgebucht (Kopie)
Date: Mon, 2 Dec 2024 09:20:00 +0100
Message-ID: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>

A copy with the same Message-ID.
""")

# 10 broken headers: a continuation first, a line without a colon, an unterminated encoded
# word, raw 8-bit in a header, a bad date, a missing closing boundary
w('10-broken-headers.eml', b""" continued from nowhere
From: "Broken \xe4 Client" <broken@client.example>
This line has no colon
To: support@example.com
Subject: =?utf-8?Q?unterminated_encoded_word
Date: 32 Foo 2024 25:61:00 +9999
Message-ID: <broken-1@client.example>
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain; charset=utf-8

Body of a broken mail: invalid UTF-8 here: \xff\xfe and a NUL: \x00 end.
""")

# 11 auto-reply to 01's thread
w('11-auto-reply.eml', """From: Anna Berger <anna.berger@kunde-gmbh.de>
To: support@example.com
Subject: Automatische Antwort: Rechnung doppelt abgebucht
Date: Mon, 9 Dec 2024 08:00:00 +0100
Message-ID: <auto.1.anna@kunde-gmbh.de>
In-Reply-To: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset=utf-8

Ich bin bis 16. Dezember nicht im Büro.
""")

# 12 bounce: multipart/report from MAILER-DAEMON, null sender
w('12-bounce.eml', """Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mail.example.com>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Date: Tue, 10 Dec 2024 14:00:00 +0100
Message-ID: <20241210130000.ABC12@mail.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="bounce-1"

--bounce-1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@kunde-gmbh.de>: host mx.kunde-gmbh.de said: 550 5.1.1 User unknown

--bounce-1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
Final-Recipient: rfc822; nobody@kunde-gmbh.de
Action: failed
Status: 5.1.1

--bounce-1
Content-Description: Undelivered Message
Content-Type: message/rfc822

From: Example Support <support@example.com>
To: nobody@kunde-gmbh.de
Subject: Re: Rechnung doppelt abgebucht [#1]
Message-ID: <ccrm.original@example.com>

Our answer.

--bounce-1--
""")

# 13 mailing list
w('13-mailing-list.eml', """From: Release Announcements <announce@lists.vendor.example>
To: support@example.com
Subject: [vendor-announce] Version 5.0 released
Date: Wed, 11 Dec 2024 09:00:00 +0000
Message-ID: <release-5.0@lists.vendor.example>
List-Id: Vendor announcements <announce.lists.vendor.example>
List-Unsubscribe: <mailto:announce-leave@lists.vendor.example>
Precedence: list
Content-Type: text/plain; charset=utf-8

Version 5.0 is out.
""")

# 14 reply by References to 01 (our ticket), quoted text
w('14-reply-references.eml', """From: Anna Berger <anna.berger@kunde-gmbh.de>
To: Example Support <support@example.com>
Subject: AW: Rechnung doppelt abgebucht
Date: Wed, 11 Dec 2024 10:00:00 +0100
Message-ID: <reply.2.anna@kunde-gmbh.de>
In-Reply-To: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>
References: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>
Content-Type: text/plain; charset=utf-8

Danke, die Erstattung ist angekommen.

Am 02.12.2024 um 09:14 schrieb Anna Berger:
> Guten Tag,
> die Rechnung 2024-117 wurde zweimal abgebucht.
""")

# 15 forwarded mail as message/rfc822
w('15-forwarded.eml', """From: Thomas Weiss <t.weiss@maschinenbau-weiss.de>
To: support@example.com
Subject: Fwd: Lizenzschluessel
Date: Thu, 12 Dec 2024 09:30:00 +0100
Message-ID: <fwd.77@maschinenbau-weiss.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fw"

--fw
Content-Type: text/plain; charset=utf-8

Bitte den Schlüssel unten prüfen.

--fw
Content-Type: message/rfc822
Content-Disposition: inline

From: Vertrieb <sales@example.com>
To: t.weiss@maschinenbau-weiss.de
Subject: Ihr Lizenzschluessel
Message-ID: <lic.1@example.com>
Date: Mon, 2 Dec 2024 08:00:00 +0100

KEY-1234-5678
--fw--
""")

# 16 the same subject as 04 from the same sender, no References: subject threading
w('16-subject-reply.eml', """From: =?ISO-8859-1?Q?Fran=E7ois_Lef=E8vre?= <F.Lefevre@exemple.fr>
To: support@example.com
Subject: =?ISO-8859-1?Q?RE:_Probl=E8me_de?= facturation
Date: Fri, 06 Dec 2024 10:31:00 +0100
Message-ID: <20241206103100.4712@exemple.fr>
Content-Type: text/plain; charset=utf-8

Toujours le même problème.
""")

# 17 plus-address token (the test puts the ticket number in)
w('17-plus-token.eml', """From: Someone Else <someone@other.example>
To: support+t0000@example.com
Subject: about my case
Date: Fri, 13 Dec 2024 10:00:00 +0100
Message-ID: <token.1@other.example>
Content-Type: text/plain; charset=utf-8

Adding a note by the reply address.
""")

# 18 subject tag (the test puts the ticket number in)
w('18-subject-tag.eml', """From: Hanako Sato <hanako.sato.jp@gmail.com>
To: support@example.com
Subject: Re: something else entirely [#0000]
Date: Fri, 13 Dec 2024 11:00:00 +0100
Message-ID: <tag.1@mail.gmail.com>
Content-Type: text/plain; charset=utf-8

Tagged mail.
""")

# 19 read receipt (multipart/report disposition-notification)
w('19-read-receipt.eml', """From: Thomas Weiss <t.weiss@maschinenbau-weiss.de>
To: support@example.com
Subject: Gelesen: Dashboard zeigt Fehler 500
Date: Fri, 13 Dec 2024 12:00:00 +0100
Message-ID: <mdn.1@maschinenbau-weiss.de>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain; charset=utf-8

Ihre Nachricht wurde gelesen.
--mdn
Content-Type: message/disposition-notification

Final-Recipient: rfc822;t.weiss@maschinenbau-weiss.de
Disposition: manual-action/MDN-sent-manually; displayed
--mdn--
""")

# 20 newsletter, Precedence: bulk
w('20-bulk.eml', """From: Newsletter <news@marketing.vendor.example>
To: support@example.com
Subject: Our December offers
Date: Sat, 14 Dec 2024 06:00:00 +0000
Message-ID: <nl.2024-12@marketing.vendor.example>
Precedence: bulk
Content-Type: text/html; charset=utf-8

<h1>December</h1><p>Offers &amp; more.</p>
""")

# 21 CR LF throughout, raw 8-bit UTF-8 in Subject and the From name (no encoded words), an
# attachment whose RFC 2231 name is continued over two parameters
w('21-crlf-raw-utf8.eml', """From: Jürgen Müller <juergen.mueller@raw-header.example>
To: support@example.com
Subject: Größenänderung geht nicht – bitte helfen
Date: Mon, 16 Dec 2024 09:00:00 +0100
Message-ID: <crlf.raw.1@raw-header.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="crlf-1"

--crlf-1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Die Gr=C3=B6=C3=9Fe l=C3=A4sst sich nicht =C3=A4ndern, obwohl ich es mehrfach =
versucht habe.

--crlf-1
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''Sehr%20langer%20Dateiname%20f%C3%BCr%20;
 filename*1*=die%20Rechnung.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--crlf-1--
""", crlf=True)

# 22 raw Latin-1 in Subject, the From name and a file name; a body in a charset nobody knows
w('22-raw-latin1.eml', """From: Björn Größer <bjoern@latin1-header.example>
To: support@example.com
Subject: Überweisung für März fehlt
Date: Mon, 16 Dec 2024 09:05:00 +0100
Message-ID: <latin1.raw.1@latin1-header.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="l1"

--l1
Content-Type: text/plain; charset="x-unknown"
Content-Transfer-Encoding: 8bit

Grüße aus Köln, die Überweisung fehlt.
--l1
Content-Type: text/plain
Content-Disposition: attachment; filename="Auszug März.txt"

Auszug
--l1--
""".encode('latin-1'))

# 23 encoded words as writers cut them: a UTF-8 character cut in two between base64 words (the
# first padded), a word without its padding, a word in the middle of a word, UTF-8 declared
# for Latin-1 bytes; the From name cut in the middle of a character too, over two lines
gl = 'Grégoire Lefèvre'.encode()
w('23-split-words.eml', """From: =?UTF-8?B?""" + base64.b64encode(gl[:14]).decode() + """?=
 =?UTF-8?B?""" + base64.b64encode(gl[14:]).decode() + """?= <gregoire@split-words.example>
To: support@example.com
Subject: =?UTF-8?B?""" + base64.b64encode('Ü'.encode()[:1]).decode() + """?=
 =?UTF-8?B?""" + base64.b64encode('Ü'.encode()[1:] + 'berweisung'.encode()).decode() + """?= =?UTF-8?B?""" + base64.b64encode(' für'.encode()).decode().rstrip('=') + """?=
 Bestell=?UTF-8?Q?=C3=BC?=bersicht =?utf-8?Q?Gr=FC=DFe?=
Date: Mon, 16 Dec 2024 09:10:00 +0100
Message-ID: <split.words.1@split-words.example>
Content-Type: text/plain; charset=utf-8

Text.
""")

# 24 Thunderbird with a pasted screenshot: the plain text beside a multipart/related of the
# HTML and its image (the image is only in the alternative not chosen for the text)
w('24-alternative-related.eml', """From: Tom Bird <tom@screenshot.example>
To: support@example.com
Subject: Fehlermeldung im Screenshot
Date: Mon, 16 Dec 2024 09:15:00 +0100
Message-ID: <alt.related.1@screenshot.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-2"

--alt-2
Content-Type: text/plain; charset=utf-8; format=flowed

Siehe Screenshot.
--alt-2
Content-Type: multipart/related; boundary="rel-2"

--rel-2
Content-Type: text/html; charset=utf-8

<p>Siehe Screenshot.</p><img src="cid:shot@screenshot.example">
--rel-2
Content-Type: image/png; name="screenshot.png"
Content-Disposition: inline; filename="screenshot.png"
Content-ID: <shot@screenshot.example>
Content-Transfer-Encoding: base64

""" + b64(png) + """
--rel-2--

--alt-2--
""")

# 25 Outlook's invitation: text, HTML and the text/calendar as three alternatives
w('25-calendar-invite.eml', """From: Olga Organizer <olga@invite.example>
To: support@example.com
Subject: Einladung: Review Q1
Date: Mon, 16 Dec 2024 09:20:00 +0100
Message-ID: <invite.1@invite.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="inv"

--inv
Content-Type: text/plain; charset=utf-8

Review am Dienstag, 10 Uhr.
--inv
Content-Type: text/html; charset=utf-8

<p>Review am Dienstag, 10 Uhr.</p>
--inv
Content-Type: text/calendar; charset=utf-8; method=REQUEST
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
UID:review-q1@invite.example
SUMMARY:Review Q1
DTSTART:20241217T090000Z
END:VEVENT
END:VCALENDAR
--inv--
""")

# 26 PGP-signed, the text three multiparts deep, a forwarded mail and a file beside it
w('26-signed-nested.eml', """From: Petra Signer <petra@signed.example>
To: support@example.com
Subject: Signierte Anfrage
Date: Mon, 16 Dec 2024 09:25:00 +0100
Message-ID: <signed.1@signed.example>
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";
 boundary="sig"

--sig
Content-Type: multipart/mixed; boundary="m1"

--m1
Content-Type: multipart/mixed; boundary="m2"

--m2
Content-Type: multipart/alternative; boundary="m3"

--m3
Content-Type: text/plain; charset=utf-8

Text drei Ebenen tief.
--m3
Content-Type: text/html; charset=utf-8

<p>Text drei Ebenen tief.</p>
--m3--
--m2
Content-Type: message/rfc822
Content-Disposition: attachment; filename*=UTF-8''Weitergeleitet%20%C3%BCber.eml

From: Old Sender <old@signed.example>
Subject: Alte Nachricht
Message-ID: <old.1@signed.example>

Alter Text.
--m2--
--m1
Content-Type: application/octet-stream; name="=?UTF-8?Q?Pr=C3=BCfsumme.bin?="
Content-Transfer-Encoding: base64

AAEC
--m1--
--sig
Content-Type: application/pgp-signature; name="signature.asc"

-----BEGIN PGP SIGNATURE-----
iQ==
-----END PGP SIGNATURE-----
--sig--
""")

# 27 a text said to be base64 that is not, and a mail of only an attachment forwarded beside it
w('27-base64-lie.eml', """From: Lisa Lie <lisa@base64-lie.example>
To: support@example.com
Subject: Falsche Kodierung
Date: Mon, 16 Dec 2024 09:30:00 +0100
Message-ID: <b64.lie.1@base64-lie.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="lie"

--lie
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

Dieser Text ist nicht base64, auch wenn der Kopf es sagt: Grüße!
--lie
Content-Type: application/pdf; name="scan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--lie--
""")

# 28 a forwarded mail as the whole message (Content-Type: message/rfc822, as some mail programs
# forward "as attachment" with no text of their own): the body shows it
w('28-forward-whole.eml', """From: Frank Forward <frank@forward-whole.example>
To: support@example.com
Subject: Fwd: Lieferung unvollständig
Date: Mon, 16 Dec 2024 09:35:00 +0100
Message-ID: <fwd.whole.1@forward-whole.example>
MIME-Version: 1.0
Content-Type: message/rfc822

From: =?UTF-8?Q?J=C3=BCrgen_Kunde?= <juergen@kunde.example>
To: Frank Forward <frank@forward-whole.example>
Subject: =?UTF-8?Q?Lieferung_unvollst=C3=A4ndig?=
Date: Fri, 13 Dec 2024 17:02:00 +0100
Message-ID: <inner.1@kunde.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="in1"

--in1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Es fehlen zwei Kartons der Bestellung 4711. Bitte nachliefern.
--in1
Content-Type: application/pdf; name="lieferschein.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--in1--
""")

# 29 an invitation that is only text/calendar (no text beside it): the body says what, when,
# where, who and what is asked; a folded line, an escaped comma, an alarm with its own summary
w('29-invite-only.eml', """From: Ines Invite <ines@invite-only.example>
To: support@example.com
Subject: Einladung: Schulung
Date: Mon, 16 Dec 2024 09:40:00 +0100
Message-ID: <invite.only.1@invite-only.example>
MIME-Version: 1.0
Content-Type: text/calendar; charset=utf-8; method=REQUEST; name="invite.ics"
Content-Transfer-Encoding: 7bit

BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Calendar//EN
METHOD:REQUEST
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:schulung-1@invite-only.example
DTSTAMP:20241216T084000Z
ORGANIZER;CN="Ines Invite":mailto:ines@invite-only.example
ATTENDEE;CN=Support;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:support@example.com
SUMMARY:Schulung: neue Rechnungs
 vorlagen
DTSTART;TZID=Europe/Berlin:20250108T100000
DTEND;TZID=Europe/Berlin:20250108T113000
LOCATION:Raum 2\\, Hauptstraße 5
BEGIN:VALARM
ACTION:DISPLAY
SUMMARY:Erinnerung
TRIGGER:-PT15M
END:VALARM
END:VEVENT
END:VCALENDAR
""", crlf=True)

# 30 S/MIME encrypted (application/pkcs7-mime, enveloped-data): no text to be read, said so
w('30-smime-encrypted.eml', """From: Sven Secure <sven@smime.example>
To: support@example.com
Subject: Vertrauliche Unterlagen
Date: Mon, 16 Dec 2024 09:45:00 +0100
Message-ID: <smime.enc.1@smime.example>
MIME-Version: 1.0
Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"
Content-Disposition: attachment; filename="smime.p7m"
Content-Transfer-Encoding: base64

""" + b64(b'\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03\xa0\x80' + bytes(range(64))) + """
""")

# 31 S/MIME opaque signed (signed-data: the text is inside the signature's structure)
w('31-smime-signed.eml', """From: Sina Sign <sina@smime-signed.example>
To: support@example.com
Subject: Signierte Bestellung
Date: Mon, 16 Dec 2024 09:50:00 +0100
Message-ID: <smime.sig.1@smime-signed.example>
MIME-Version: 1.0
Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m
Content-Transfer-Encoding: base64

""" + b64(b'\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80' + bytes(range(64))) + """
""")

# 32 OpenPGP encrypted as the whole message (application/pgp-encrypted at the top, as a
# gateway that drops the multipart/encrypted around it sends it)
w('32-pgp-encrypted.eml', """From: Paul Private <paul@pgp.example>
To: support@example.com
Subject: Zugangsdaten
Date: Mon, 16 Dec 2024 09:55:00 +0100
Message-ID: <pgp.enc.1@pgp.example>
MIME-Version: 1.0
Content-Type: application/pgp-encrypted; name="encrypted.asc"

-----BEGIN PGP MESSAGE-----

hQEMA1234567890ABAQf/abcdefghijklmnopqrstuvwxyz
=abcd
-----END PGP MESSAGE-----
""")
