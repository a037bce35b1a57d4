"""Teaching the manual procedure: the guide's own `openssl req` argv (`recipe`), its rendering
for each shell (`shells`), one line per part of it (`explain`), and the wiki procedure as
data (`guide`).

May import: `vncssl.tigervnc`, `vncssl.x509` and everything below them.
"""
