#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the fuzzer's ioctl table from the suite's UAPI headers.

    gen_ioctl_table.py OUT.h include/uapi/linux/aether_*.h

For every header that defines commands it emits an #include, and for every

    #define <NAME> _IO{,R,W,WR}(<magic>, <nr>[, struct <s>])

(a backslash may continue the line) one table entry naming the command by
its macro (so the compiler, not this script, computes the number) with the
module it belongs to (the header's name: aether_mm.h -> "aether_mm",
matched against /dev/aether_mm*) and, when the argument is a struct defined
in the same header, one descriptor per field: offsetof, sizeof and a role
guessed from the field's name (size, flags, reserved, count, byte length,
user pointer, name pointer, handle, node, order, fd, pfn, plain).

The kernel-doc of the struct says two more things:

- "struct <s> - <CMD>, on a <kind> fd" in its title: the command goes to
  an fd of that kind (say "region") that another command hands out, not to
  the device; the entry's "on" is the kind.
- "@fd: (out) ... <kind> ..." for an fd field: the command hands out a new
  fd (role FZ_NEWFD), of the kind named in that line if it is one of the
  kinds above; the entry's "makes" is the kind.

A new module's header is picked up without any change here.
"""
import os
import re
import sys

IOC_RE = re.compile(
    r'^#define\s+(\w+)\s+_IO(WR|R|W)?\s*\(\s*[^,]+,\s*[^,)]+\s*'
    r'(?:,\s*struct\s+(\w+)\s*)?\)')
STRUCT_RE = re.compile(r'struct\s+(\w+)\s*\{(.*?)\};', re.S)
FIELD_RE = re.compile(r'^\s*(__[us](?:8|16|32|64)|char)\s+(\w+)\s*((?:\[[^\]]+\])*)\s*;')
DOC_RE = re.compile(r'/\*\*(.*?)\*/', re.S)
DOC_TITLE_RE = re.compile(r'^\s*\*\s*struct\s+(\w+)\s+-\s+[^\n]*?,\s*on an?\s+(\w+)\s+fd',
                          re.M)
DOC_FIELD_RE = re.compile(r'^\s*\*\s*@(\w+):\s*(.*)$', re.M)


def role(name, ctype, array, doc):
    """The fuzzer's idea of what a field means, from its name and doc."""
    n = name.lower()
    if ctype == 'char' and array:
        return 'FZ_STRING'
    # Reserved arrays too: zero mostly, so that the rest of the struct
    # gets past the check.
    if re.match(r'^_*(reserved|rsvd|resv|pad|padding|unused)\d*$', n):
        return 'FZ_RESERVED'
    if array:
        return 'FZ_PLAIN'
    if n == 'size':
        return 'FZ_SIZE'
    if n == 'pfn' or n.endswith('_pfn'):
        return 'FZ_PFN'
    if 'flags' in n:
        return 'FZ_FLAGS'
    if ctype.endswith('64') and (n == 'name' or n.endswith('_name')):
        return 'FZ_NAME'
    if ctype.endswith('64') and (n.endswith('ptr') or n.endswith('addr') or
                                 n in ('handles', 'ids', 'buf', 'data',
                                       'array', 'items', 'entries',
                                       'values')):
        return 'FZ_PTR'
    if n in ('handle', 'id') or n.endswith('_handle') or n.endswith('_id'):
        return 'FZ_HANDLE'
    if n in ('length', 'len', 'offset') or n.endswith('_bytes') or \
            (ctype.endswith('64') and (n.endswith('disksize') or
                                       n.endswith('_limit'))):
        return 'FZ_BYTES'
    if n == 'count' or n.startswith('nr_') or n.endswith('_count') or \
            n in ('batch', 'nr'):
        return 'FZ_COUNT'
    if n in ('node', 'nid') or n.endswith('_node'):
        return 'FZ_NODE'
    if 'order' in n:
        return 'FZ_ORDER'
    if n == 'fd' or n.endswith('_fd'):
        return 'FZ_NEWFD' if re.match(r'\(out\)', doc) else 'FZ_FD'
    return 'FZ_PLAIN'


def join_continuations(text):
    return re.sub(r'\\\n', ' ', text)


def parse_docs(text):
    """struct name -> (fd kind it is sent to or None, {field: doc})."""
    docs = {}
    for m in DOC_RE.finditer(text):
        body = m.group(1)
        t = re.search(r'^\s*\*\s*struct\s+(\w+)\s+-', body, re.M)
        if not t:
            continue
        on = DOC_TITLE_RE.search(body)
        fields = {f.group(1): f.group(2).strip()
                  for f in DOC_FIELD_RE.finditer(body)}
        docs[t.group(1)] = (on.group(2) if on else None, fields)
    return docs


def parse(path):
    raw = join_continuations(open(path).read())
    docs = parse_docs(raw)
    # Drop comments, keep line structure for the #define matcher.
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  raw, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    structs = {}
    for m in STRUCT_RE.finditer(text):
        fields = []
        fdoc = docs.get(m.group(1), (None, {}))[1]
        for line in m.group(2).split(';'):
            f = FIELD_RE.match(line.strip() + ';')
            if f:
                name = f.group(2)
                fields.append((name, f.group(1), bool(f.group(3)),
                               fdoc.get(name, '')))
        structs[m.group(1)] = fields
    ioctls = []
    for line in text.splitlines():
        m = IOC_RE.match(line.strip())
        if m:
            ioctls.append((m.group(1), m.group(3)))
    return structs, ioctls, docs


def c_str(s):
    return '"%s"' % s if s else 'NULL'


def main():
    out, headers = sys.argv[1], sorted(sys.argv[2:])
    lines = ['/* SPDX-License-Identifier: GPL-2.0 */',
             '/* Generated by gen_ioctl_table.py from the UAPI headers. */',
             '#include <stddef.h>']
    table = []
    for h in headers:
        mod = os.path.basename(h)[:-2]
        structs, ioctls, docs = parse(h)
        # A fragment with no command (the region counters' list, included
        # by aether_mm.h's users) is no module's header.
        if not ioctls:
            continue
        lines.append('#include <linux/%s.h>' % mod)
        kinds = sorted({d[0] for d in docs.values() if d[0]})
        done = set()
        for name, sname in ioctls:
            fields = 'NULL, 0'
            on = docs.get(sname, (None, {}))[0] if sname else None
            makes = None
            if sname and sname in structs and structs[sname]:
                arr = 'fz_fields_' + sname
                roles = [(f, role(f, t, a, d), d)
                         for f, t, a, d in structs[sname]]
                if sname not in done:
                    done.add(sname)
                    lines.append('static const struct fz_field %s[] = {' % arr)
                    for fname, r, _ in roles:
                        lines.append('\tFZ_FIELD(struct %s, %s, %s),' %
                                     (sname, fname, r))
                    lines.append('};')
                fields = '%s, FZ_ARRAY_SIZE(%s)' % (arr, arr)
                for _, r, d in roles:
                    if r == 'FZ_NEWFD':
                        makes = next((k for k in kinds if k in d), None)
            table.append('\t{ "%s", "%s", %s, %s, %s, %s },' %
                         (mod, name, name, fields, c_str(on), c_str(makes)))
    lines.append('static const struct fz_ioctl fz_ioctls[] = {')
    lines += table
    lines.append('};')
    if not table:
        sys.exit('gen_ioctl_table.py: no ioctls found in %s' % ' '.join(headers))
    with open(out + '.tmp', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.rename(out + '.tmp', out)


if __name__ == '__main__':
    main()
