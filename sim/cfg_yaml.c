/* cfg_yaml.c - YAML text <-> cfg_node tree: libyaml event parser with
 * file:line on every node and a deterministic block-style emitter whose
 * output parses back to the same tree (the nodes: cfg_node.c).
 *
 * Anchors, aliases and tags are rejected: a parameter file should say what
 * it means where it says it, and rejecting them keeps provenance exact. */
#include "cfg_tree.h"
#include "cfg_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

/* ---- parsing ---- */

typedef struct parse_ctx {
    yaml_parser_t p;
    const cfg_src *src;
    const char *text;
    size_t len;
    os_err *err;
} parse_ctx;

static int line_of_offset(const parse_ctx *c, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off && i < c->len; i++)
        if (c->text[i] == '\n') line++;
    return line;
}

/* Does the line holding byte offset OFF start with a tab? */
static int tab_indent(const parse_ctx *c, size_t off)
{
    if (off > c->len) return 0;
    size_t b = off;
    while (b > 0 && c->text[b - 1] != '\n') b--;
    for (size_t i = b; i < c->len && c->text[i] != '\n'; i++) {
        if (c->text[i] == '\t') return 1;
        if (c->text[i] != ' ') break;
    }
    return 0;
}

static int parser_error(parse_ctx *c)
{
    yaml_parser_t *p = &c->p;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR)
        return os_fail(c->err, OS_ECONFIG, "%s:%d: not valid UTF-8 text (%s at byte %zu)",
                       c->src->name, line_of_offset(c, p->problem_offset), problem,
                       p->problem_offset);
    if (p->error == YAML_MEMORY_ERROR)
        return os_fail(c->err, OS_ECONFIG, "%s: out of memory while parsing", c->src->name);
    size_t off = p->problem_mark.index;
    int line = (int)p->problem_mark.line + 1;
    const char *hint = tab_indent(c, off) ? " (tabs are not allowed for indentation)" : "";
    if (p->context)
        return os_fail(c->err, OS_ECONFIG, "%s:%d: syntax error: %s %s (line %d)%s",
                       c->src->name, line, problem, p->context,
                       (int)p->context_mark.line + 1, hint);
    return os_fail(c->err, OS_ECONFIG, "%s:%d: syntax error: %s%s", c->src->name, line,
                   problem, hint);
}

static int next_event(parse_ctx *c, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&c->p, ev)) return parser_error(c);
    return 0;
}

static int reject_extras(parse_ctx *c, const yaml_event_t *ev, const char *path)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    int implicit = 1;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return os_fail(c->err, OS_ECONFIG, "%s:%d: %s: aliases (*name) are not supported",
                       c->src->name, (int)ev->start_mark.line + 1, path);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        implicit = ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        implicit = ev->data.sequence_start.implicit;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        implicit = ev->data.mapping_start.implicit;
        break;
    default:
        break;
    }
    if (anchor)
        return os_fail(c->err, OS_ECONFIG, "%s:%d: %s: anchors (&%s) are not supported",
                       c->src->name, (int)ev->start_mark.line + 1, path, (const char *)anchor);
    if (tag && !implicit)
        return os_fail(c->err, OS_ECONFIG, "%s:%d: %s: tags (%s) are not supported",
                       c->src->name, (int)ev->start_mark.line + 1, path, (const char *)tag);
    return 0;
}

static int parse_node(parse_ctx *c, yaml_event_t *ev, cfg_node **out, char *path,
                      size_t plen, int depth);

/* PATH is a buffer of 1024 bytes holding the dotted path so far. */
static void path_push(char *path, size_t plen, const char *key)
{
    snprintf(path + plen, 1024 - plen, "%s%s", plen ? "." : "", key);
}

static int parse_children(parse_ctx *c, cfg_node *n, char *path, size_t plen, int depth)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(c, &ev)) return OS_ECONFIG;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        int rc;
        if (n->kind == CFG_SEQ) {
            snprintf(path + plen, 1024 - plen, "[%zu]", n->n);
            cfg_node *kid = NULL;
            rc = parse_node(c, &ev, &kid, path, strlen(path), depth + 1);
            path[plen] = 0;
            if (!rc && cfg_seq_add(n, kid)) rc = os_fail(c->err, OS_ECONFIG, "out of memory");
            if (rc) return rc;
            continue;
        }
        /* mapping key */
        if ((rc = reject_extras(c, &ev, plen ? path : "(top level)"))) {
            yaml_event_delete(&ev);
            return rc;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            int line = (int)ev.start_mark.line + 1;
            yaml_event_delete(&ev);
            return os_fail(c->err, OS_ECONFIG, "%s:%d: %s: keys must be plain names, not lists or maps",
                           c->src->name, line, plen ? path : "(top level)");
        }
        char *key = strdup((const char *)ev.data.scalar.value);
        int line = (int)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (!key) return os_fail(c->err, OS_ECONFIG, "out of memory");
        path_push(path, plen, key);
        long dup = cfg_map_find(n, key);
        if (dup >= 0) {
            rc = os_fail(c->err, OS_ECONFIG, "%s:%d: %s: duplicate key (first set at line %d)",
                         c->src->name, line, path, n->kids[dup]->line);
            free(key);
            return rc;
        }
        yaml_event_t vev;
        if (next_event(c, &vev)) {
            free(key);
            return OS_ECONFIG;
        }
        cfg_node *kid = NULL;
        rc = parse_node(c, &vev, &kid, path, strlen(path), depth + 1);
        path[plen] = 0;
        if (!rc) {
            kid->line = line;   /* a value belongs to the line of its key */
            if (cfg_map_add(n, key, kid)) rc = os_fail(c->err, OS_ECONFIG, "out of memory");
        }
        free(key);
        if (rc) return rc;
    }
}

/* Builds the node that starts with event EV (consumed). */
static int parse_node(parse_ctx *c, yaml_event_t *ev, cfg_node **out, char *path,
                      size_t plen, int depth)
{
    int rc = reject_extras(c, ev, plen ? path : "(top level)");
    int line = (int)ev->start_mark.line + 1;
    if (!rc && depth > MAX_DEPTH)
        rc = os_fail(c->err, OS_ECONFIG, "%s:%d: %s: nested too deeply", c->src->name, line, path);
    if (rc) {
        yaml_event_delete(ev);
        return rc;
    }
    cfg_node *n = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        n = cfg_node_new(CFG_SCALAR, c->src, line);
        if (n) {
            n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            n->text = strdup((const char *)ev->data.scalar.value);
            if (!n->text) {
                cfg_node_free(n);
                n = NULL;
            }
        }
        yaml_event_delete(ev);
        if (!n) return os_fail(c->err, OS_ECONFIG, "out of memory");
        *out = n;
        return 0;
    }
    if (ev->type != YAML_MAPPING_START_EVENT && ev->type != YAML_SEQUENCE_START_EVENT) {
        yaml_event_delete(ev);
        return os_fail(c->err, OS_ECONFIG, "%s:%d: syntax error: unexpected YAML event",
                       c->src->name, line);
    }
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    n = cfg_node_new(is_map ? CFG_MAP : CFG_SEQ, c->src, line);
    if (n && is_map) n->flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
    yaml_event_delete(ev);
    if (!n) return os_fail(c->err, OS_ECONFIG, "out of memory");
    if ((rc = parse_children(c, n, path, plen, depth))) {
        cfg_node_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

int cfg_parse(cfg_node **out, const char *text, size_t len, const cfg_src *src, os_err *err)
{
    *out = NULL;
    if (memchr(text, 0, len))
        return os_fail(err, OS_ECONFIG, "%s:1: binary file (contains NUL bytes), not YAML text",
                       src->name);
    parse_ctx c = {.src = src, .text = text, .len = len, .err = err};
    if (!yaml_parser_initialize(&c.p)) return os_fail(err, OS_ECONFIG, "out of memory");
    yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);
    char path[1024] = "";
    int rc = 0, docs = 0;
    cfg_node *root = NULL;
    for (;;) {
        yaml_event_t ev;
        if ((rc = next_event(&c, &ev))) break;
        yaml_event_type_t t = ev.type;
        int line = (int)ev.start_mark.line + 1;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            yaml_event_delete(&ev);
            rc = os_fail(err, OS_ECONFIG, "%s:%d: only one YAML document (---) per file",
                         src->name, line);
            break;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT) {
            if ((rc = parse_node(&c, &ev, &root, path, 0, 0))) break;
            continue;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&c.p);
    if (rc) {
        cfg_node_free(root);
        return rc;
    }
    *out = root;
    return 0;
}

int os_yaml_precheck(const char *text, size_t len, const char *name, os_err *err)
{
    cfg_src src = {(char *)name, NULL, 1};
    cfg_node *root;
    int rc = cfg_parse(&root, text, len, &src, err);
    cfg_node_free(root);
    return rc;
}

/* ---- emitting ---- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void indent(sbuf *b, int ind)
{
    for (int i = 0; i < ind; i++) put(b, " ", 1);
}

/* Conservative: may TEXT be written as a plain scalar in block or flow
 * context and read back as the same text? */
static int plain_ok(const char *t)
{
    size_t n = strlen(t);
    if (!n || strchr("?:,[]{}#&*!|>'\"%@` \t", t[0])) return 0;
    if (t[0] == '-' && !(t[1] >= '0' && t[1] <= '9') && t[1] != '.') return 0;
    if (!strncmp(t, "...", 3) || t[n - 1] == ' ' || t[n - 1] == ':') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch < 0x20 || ch == 0x7f || strchr(",[]{}", ch)) return 0;
        if (ch == ':' && t[i + 1] == ' ') return 0;
        if (ch == ' ' && t[i + 1] == '#') return 0;
    }
    return 1;
}

static void quoted(sbuf *b, const char *t)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\t': puts_(b, "\\t"); break;
        case '\r': puts_(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof esc, "\\x%02x", *p);
                puts_(b, esc);
            } else {
                put(b, (const char *)p, 1);
            }
        }
    }
    put(b, "\"", 1);
}

static void scalar(sbuf *b, const cfg_node *n)
{
    const char *t = n->resolved ? n->resolved : n->text;
    if (!n->quoted && !n->resolved && !*t) puts_(b, "~");
    else if (!n->quoted && plain_ok(t)) puts_(b, t);
    else quoted(b, t);
}

static void key(sbuf *b, const char *k)
{
    if (plain_ok(k)) puts_(b, k);
    else quoted(b, k);
}

static int all_scalars(const cfg_node *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->kids[i]->kind != CFG_SCALAR) return 0;
    return 1;
}

/* Written on the same line as its key: scalars, empty collections,
 * sequences of scalars and flow maps of scalars. */
static int inline_ok(const cfg_node *n)
{
    if (n->kind == CFG_SCALAR || !n->n) return 1;
    if (!all_scalars(n)) return 0;
    return n->kind == CFG_SEQ || n->flow;
}

static void inline_value(sbuf *b, const cfg_node *n)
{
    if (n->kind == CFG_SCALAR) {
        scalar(b, n);
        return;
    }
    puts_(b, n->kind == CFG_MAP ? "{" : "[");
    for (size_t i = 0; i < n->n; i++) {
        if (i) puts_(b, ", ");
        if (n->kind == CFG_MAP) {
            key(b, n->keys[i]);
            puts_(b, ": ");
        }
        scalar(b, n->kids[i]);
    }
    puts_(b, n->kind == CFG_MAP ? "}" : "]");
}

/* Block collection N, entries at indent IND; the first entry continues the
 * current line when FIRST_INLINE (after "- "). */
static void block(sbuf *b, const cfg_node *n, int ind, int first_inline)
{
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node *k = n->kids[i];
        if (i || !first_inline) indent(b, ind);
        if (n->kind == CFG_MAP) {
            key(b, n->keys[i]);
            puts_(b, ":");
            if (inline_ok(k)) {
                puts_(b, " ");
                inline_value(b, k);
                puts_(b, "\n");
            } else {
                puts_(b, "\n");
                block(b, k, ind + 2, 0);
            }
        } else {
            puts_(b, "- ");
            if (inline_ok(k)) {
                inline_value(b, k);
                puts_(b, "\n");
            } else {
                block(b, k, ind + 2, 1);
            }
        }
    }
}

char *cfg_emit(const cfg_node *root)
{
    sbuf b = {0};
    puts_(&b, "");
    if (root && root->n) block(&b, root, 0, 0);
    else puts_(&b, "{}\n");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
