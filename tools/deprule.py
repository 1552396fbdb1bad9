#!/usr/bin/env python3
"""The dependency rule of ARCHITECTURE.md, checked against the one table that states it.

The table is the CMake module table: every atrium_module(<name> SOURCES ... DEPS ... TESTS ...
TEST_DEPS ...) call in src/**/CMakeLists.txt (cmake/AtriumModule.cmake). A module's name is the
call's first argument, its folder the one that holds the CMakeLists.txt. The rule:

  - a library file of module M may include files of M and of the modules named in M's DEPS
    (direct dependencies only: nothing comes in transitively, nothing is always allowed);
  - a test file of M (TESTS) may also include the modules of M's TEST_DEPS;
  - an executable (add_executable in a module table's CMakeLists.txt) may include the modules it
    links (target_link_libraries);
  - every .cc/.h under src/ belongs to exactly one module or executable, and library code never
    includes test code;
  - every folder of ATRIUM_MODULES (src/CMakeLists.txt) holds a CMakeLists.txt, every
    CMakeLists.txt under src/ is listed there, DEPS name existing modules and have no cycle.

Who owns a file: the module whose SOURCES or TESTS list it (or the executable whose sources do);
a header that is not listed belongs where the .cc of the same name is listed; otherwise, in a
folder with exactly one module, any other file belongs to that module (as test code when its
name ends in _test.h). Anything else is owned by no module, which is an error.

Only quoted includes ("module/file.h") are checked; angle-bracket includes are third-party
code, whose bans (Beast/Asio, sqlite3) tools/lint.sh checks.

  tools/deprule.py                 check the repository (exit 1 on any violation)
  tools/deprule.py --diagram       print the dependency diagram drawn from the table
  tools/deprule.py --write-diagram refresh the diagram in ARCHITECTURE.md
  tools/deprule.py --selftest      run the checker on tools/lint_fixtures/ (must match expect.txt)
  --root DIR                       check another tree (default: the repository of this script)
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass, field

REFRESH = "tools/lint.sh --write-diagram"
BEGIN = "<!-- deps:begin -->"
END = "<!-- deps:end -->"
ARCH = "ARCHITECTURE.md"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
CODE_EXT = (".cc", ".h")


# --- CMake reading ---------------------------------------------------------------------------


def cmake_commands(text):
    """Yields (command, [args], line) for every command call of a CMake file.

    Handles line comments, bracket comments, quoted and bracket arguments, nested parentheses
    and calls spread over several lines. Variables are left as written (${X} is one argument).
    """
    i, n, line = 0, len(text), 1
    ident = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
    bracket = re.compile(r"\[(=*)\[")

    def skip_comment(j):
        nonlocal line
        m = bracket.match(text, j + 1)
        if m:  # #[[ ... ]] or #[==[ ... ]==]
            close = "]" + m.group(1) + "]"
            k = text.find(close, m.end())
            k = n if k < 0 else k + len(close)
        else:
            k = text.find("\n", j)
            k = n if k < 0 else k
        line += text.count("\n", j, k)
        return k

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            i = skip_comment(i)
        else:
            m = ident.match(text, i)
            if not m:
                i += 1
                continue
            name, start_line = m.group(0).lower(), line
            j = m.end()
            while j < n and text[j] in " \t":
                j += 1
            if j >= n or text[j] != "(":
                i = j
                continue
            j += 1
            args, depth, cur = [], 0, None
            while j < n:
                c = text[j]
                if c == "#" and cur is None:
                    j = skip_comment(j)
                    continue
                if c == '"' and cur is None:
                    k = j + 1
                    buf = []
                    while k < n and text[k] != '"':
                        if text[k] == "\\" and k + 1 < n:
                            buf.append(text[k + 1])
                            k += 2
                            continue
                        buf.append(text[k])
                        k += 1
                    line += text.count("\n", j, k)
                    args.append("".join(buf))
                    j = k + 1
                    continue
                mb = bracket.match(text, j) if cur is None else None
                if mb:
                    close = "]" + mb.group(1) + "]"
                    k = text.find(close, mb.end())
                    k = n if k < 0 else k
                    args.append(text[mb.end():k])
                    line += text.count("\n", j, k)
                    j = k + len(close)
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0:
                        if cur is not None:
                            args.append(cur)
                        j += 1
                        break
                    depth -= 1
                if c.isspace() or c in "()":
                    if cur is not None:
                        args.append(cur)
                        cur = None
                    if c == "\n":
                        line += 1
                else:
                    cur = (cur or "") + c
                j += 1
            yield name, args, start_line
            i = j


def split_keywords(args, keywords):
    """cmake_parse_arguments for multi-value keywords: {keyword: [values]}."""
    out = {k: [] for k in keywords}
    current = None
    for a in args:
        if a in keywords:
            current = a
        elif current is not None:
            out[current].append(a)
    return out


@dataclass
class Module:
    name: str
    folder: str  # relative to src/, e.g. "store/sqlite"
    cmake: str  # e.g. "src/store/sqlite/CMakeLists.txt"
    line: int
    sources: list
    tests: list
    deps: list  # module names (atrium_ prefix removed)
    test_deps: list
    testing: bool = False  # atrium_testing(): code for tests only, a TEST_DEPS entry only


@dataclass
class Executable:
    name: str
    folder: str
    cmake: str
    sources: list
    line: int = 0
    links: list = field(default_factory=list)  # module names


@dataclass
class Owner:
    kind: str  # "module" or "executable"
    name: str
    test: bool = False


class Files:
    """What the checker reads (src/**, cmake/*.cmake, ARCHITECTURE.md), by path relative to the
    tree's root: from disk, read when first needed, or from memory (the self-test, which lays its
    cases over the clean tree without copying files)."""

    def __init__(self, root=None, texts=None):
        self.root = root
        self.texts = dict(texts) if texts is not None else {}  # path -> text, None: not read yet
        if texts is None:
            for top in ("src", "cmake"):
                for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    for f in filenames:
                        rel = os.path.relpath(os.path.join(dirpath, f), root)
                        self.texts[rel.replace(os.sep, "/")] = None
            if os.path.isfile(os.path.join(root, ARCH)):
                self.texts[ARCH] = None

    @staticmethod
    def snapshot(root):
        """Every file under root, read into memory."""
        texts = {}
        for dirpath, _, filenames in os.walk(root):
            for f in filenames:
                full = os.path.join(dirpath, f)
                with open(full, encoding="utf-8") as fh:
                    texts[os.path.relpath(full, root).replace(os.sep, "/")] = fh.read()
        return Files(texts=texts)

    def paths(self):
        return sorted(self.texts)

    def exists(self, path):
        return path in self.texts

    def read(self, path):
        if self.texts[path] is None:
            with open(os.path.join(self.root, path), encoding="utf-8", errors="replace") as f:
                self.texts[path] = f.read()
        return self.texts[path]

    def write(self, path, text):
        self.texts[path] = text
        if self.root is not None:
            with open(os.path.join(self.root, path), "w", encoding="utf-8") as f:
                f.write(text)


class Tree:
    """The module table of one source tree, and what it owns."""

    def __init__(self, files):
        self.fs = files
        self.errors = []
        self.modules = {}
        self.executables = {}
        self.listed_folders = []
        self.list_line = 0
        self.owner = {}  # path relative to root -> Owner
        self._read()

    def error(self, msg):
        self.errors.append(msg)

    def _read(self):
        fs = self.fs
        self.other_targets = set()  # atrium_* targets that are not modules (atrium_warnings)
        for p in fs.paths():
            if p.startswith("cmake/") and p.endswith(".cmake"):
                for cmd, args, _ in cmake_commands(fs.read(p)):
                    if cmd == "add_library" and args:
                        self.other_targets.add(args[0])

        top = "src/CMakeLists.txt"
        if not fs.exists(top):
            self.error(f"{top}: missing")
            return
        cmakes = [top] + [p for p in fs.paths()
                          if p.startswith("src/") and p.endswith("/CMakeLists.txt") and p != top]

        raw_links = []  # (cmake, line, target, [libs])
        for cm in cmakes:
            folder = os.path.dirname(cm)[len("src/"):] if cm != top else ""
            for cmd, args, line in cmake_commands(fs.read(cm)):
                if cmd == "set" and cm == top and args and args[0] == "ATRIUM_MODULES":
                    self.listed_folders = [a for a in args[1:]
                                           if a not in ("CACHE", "PARENT_SCOPE")]
                    self.list_line = line
                elif cmd == "atrium_module" and args:
                    kw = split_keywords(args[1:], ("SOURCES", "DEPS", "TESTS", "TEST_DEPS"))
                    name = args[0]
                    if name in self.modules:
                        self.error(f"{cm}:{line}: module {name} is also declared in "
                                   f"{self.modules[name].cmake}: module names must be unique")
                        continue
                    self.modules[name] = Module(name, folder, cm, line, kw["SOURCES"], kw["TESTS"],
                                                kw["DEPS"], kw["TEST_DEPS"])
                elif cmd == "atrium_testing" and args:
                    # A library of test helpers (fakes, loopback servers): all of it is test
                    # code, and only TEST_DEPS may name it.
                    kw = split_keywords(args[1:], ("SOURCES", "DEPS"))
                    name = args[0] + "_testing"
                    if name in self.modules:
                        self.error(f"{cm}:{line}: module {name} is also declared in "
                                   f"{self.modules[name].cmake}: module names must be unique")
                        continue
                    self.modules[name] = Module(name, folder, cm, line, [], kw["SOURCES"], [],
                                                kw["DEPS"], True)
                elif cmd == "add_executable" and args:
                    srcs = [a for a in args[1:] if a not in ("WIN32", "MACOSX_BUNDLE",
                                                             "EXCLUDE_FROM_ALL")]
                    self.executables[args[0]] = Executable(args[0], folder, cm, srcs, line)
                elif cmd == "target_link_libraries" and args:
                    libs = [a for a in args[1:] if a not in ("PUBLIC", "PRIVATE", "INTERFACE")]
                    raw_links.append((cm, line, args[0], libs))

        # DEPS name modules: atrium_<name>; other targets (spdlog::spdlog) are third-party.
        def module_names(m, key, values):
            out = []
            for v in values:
                if not v.startswith("atrium_") or v in self.other_targets:
                    continue
                dep = v[len("atrium_"):]
                if dep not in self.modules:
                    self.error(f"{m.cmake}:{m.line}: {key} of {m.name} names {v}, which is no "
                               f"module (modules: {', '.join(sorted(self.modules))})")
                elif dep == m.name:
                    self.error(f"{m.cmake}:{m.line}: {key} of {m.name} names the module itself")
                elif key == "DEPS" and self.modules[dep].testing:
                    self.error(f"{m.cmake}:{m.line}: DEPS of {m.name} names {v}, a library of "
                               f"test helpers: name it in TEST_DEPS")
                else:
                    out.append(dep)
            return out

        for m in self.modules.values():
            m.deps = module_names(m, "DEPS", m.deps)
            m.test_deps = module_names(m, "TEST_DEPS", m.test_deps)

        for cm, line, target, libs in raw_links:
            mods = [l[len("atrium_"):] for l in libs
                    if l.startswith("atrium_") and l[len("atrium_"):] in self.modules]
            if target in self.executables:
                self.executables[target].links += mods
                continue
            owner = target[len("atrium_"):] if target.startswith("atrium_") else None
            m = self.modules.get(owner)
            if m is None:
                continue
            for d in mods:
                if d not in m.deps:
                    self.error(f"{cm}:{line}: target_link_libraries({target} ...) links "
                               f"atrium_{d} outside the module table: add atrium_{d} to DEPS "
                               f"of {m.name} in {m.cmake} instead")

        # ATRIUM_MODULES and the folders on disk.
        if not self.listed_folders:
            self.error(f"{top}: no set(ATRIUM_MODULES ...) list of module folders")
        for f in self.listed_folders:
            if not fs.exists(f"src/{f}/CMakeLists.txt"):
                self.error(f"{top}:{self.list_line}: ATRIUM_MODULES lists {f}, but "
                           f"src/{f}/CMakeLists.txt does not exist: remove {f} from "
                           f"ATRIUM_MODULES or create the module")
        for cm in cmakes[1:]:
            folder = os.path.dirname(cm)[len("src/"):]
            if folder not in self.listed_folders:
                self.error(f"{cm}: folder {folder} is not in ATRIUM_MODULES of {top}, so it is "
                           f"never built: add it there (below its dependencies)")

        self._check_cycles()
        self._own_files()

    def _check_cycles(self):
        state = {}  # name -> 1 visiting, 2 done

        def visit(name, path):
            state[name] = 1
            for d in self.modules[name].deps:
                if state.get(d) == 1:
                    cyc = path[path.index(d):] + [d]
                    m = self.modules[name]
                    self.error(f"{m.cmake}:{m.line}: dependency cycle {' -> '.join(cyc)}: "
                               f"dependencies point downwards only (remove an edge, e.g. "
                               f"atrium_{d} from DEPS of {name})")
                elif d not in state:
                    visit(d, path + [d])
            state[name] = 2

        for name in sorted(self.modules):
            if name not in state:
                visit(name, [name])

    def _own_files(self):
        for table in (self.modules.values(), self.executables.values()):
            for t in table:
                base = "src/" + t.folder if t.folder else "src"
                lists = [("SOURCES", t.sources, False)]
                if isinstance(t, Module):
                    lists.append(("TESTS", t.tests, True))
                where = f":{t.line}" if t.line else ""
                for key, files, test in lists:
                    for s in files:
                        if "$" in s or "<" in s:
                            continue  # ${VAR} or a generator expression: not a file name
                        p = os.path.normpath(os.path.join(base, s)).replace(os.sep, "/")
                        kind = "module" if isinstance(t, Module) else "executable"
                        if not self.fs.exists(p):
                            self.error(f"{t.cmake}{where}: {key} of {t.name} lists {s}, which "
                                       f"does not exist")
                            continue
                        if p in self.owner:
                            o = self.owner[p]
                            self.error(f"{t.cmake}{where}: {p} is listed by {t.name} and by "
                                       f"{o.name}: a file belongs to one module")
                            continue
                        self.owner[p] = Owner(kind, t.name, test)

        # every .cc/.h under src/
        self.files = [p for p in self.fs.paths() if p.startswith("src/") and p.endswith(CODE_EXT)]
        for p in self.files:
            if self.owner_of(p) is None:
                self.error(f"{p}: owned by no module: {self._ownership_fix(p)}")

    def folder_modules(self, folder):
        return [m for m in self.modules.values() if m.folder == folder]

    def owner_of(self, p):
        """The owner of a file (path relative to root), or None."""
        if p in self.owner:
            return self.owner[p]
        stem, ext = os.path.splitext(p)
        if ext == ".h" and stem + ".cc" in self.owner:
            return self.owner[stem + ".cc"]
        if ext != ".cc" and p.startswith("src/"):
            mods = self.folder_modules(os.path.dirname(p)[len("src/"):])
            # A library of test helpers beside a module does not take the module's headers.
            if len(mods) > 1:
                mods = [m for m in mods if not m.testing]
            if len(mods) == 1:
                return Owner("module", mods[0].name, stem.endswith("_test"))
        return None

    def _ownership_fix(self, p):
        folder = os.path.dirname(p)[len("src/"):]
        mods = self.folder_modules(folder)
        what = "TESTS" if os.path.splitext(p)[0].endswith("_test") else "SOURCES"
        if mods:
            names = " or ".join(m.name for m in mods)
            return f"list it in {what} of {names} in src/{folder}/CMakeLists.txt"
        return (f"src/{folder}/ declares no atrium_module(...): move the file into a module "
                f"folder or make src/{folder} a module (CMakeLists.txt and ATRIUM_MODULES)")


# --- the include check -----------------------------------------------------------------------


def resolve(fs, including, inc):
    """The file a quoted include names (relative to root), as the compiler finds it: beside the
    including file first, then under src/ (the only include directory)."""
    for base in (os.path.dirname(including), "src"):
        p = os.path.normpath(os.path.join(base, inc)).replace(os.sep, "/")
        if fs.exists(p):
            return p
    return None


def check_includes(tree):
    for p in tree.files:
        o = tree.owner_of(p)
        if o is None:
            continue  # reported by Tree
        if o.kind == "module":
            m = tree.modules[o.name]
            allowed = set(m.deps) | (set(m.test_deps) if o.test else set())
        else:
            e = tree.executables[o.name]
            allowed = set(e.links)
        for n, text in enumerate(tree.fs.read(p).split("\n"), 1):
            mt = INCLUDE.match(text)
            if not mt:
                continue
            inc = mt.group(1)
            t = resolve(tree.fs, p, inc)
            where = f"{p}:{n}"
            if t is None:
                tree.error(f'{where}: includes "{inc}", which is no file under src/ (includes '
                           f'are written from src/, e.g. "base/result.h")')
                continue
            to = tree.owner_of(t)
            if to is None:
                if not t.endswith(CODE_EXT):
                    tree.error(f'{where}: includes "{inc}", which is owned by no module')
                continue
            if to.kind == "executable":
                tree.error(f'{where}: includes "{inc}", a source of executable {to.name}: '
                           f"move what is shared into a module")
                continue
            if to.test and not o.test and o.kind == "module":
                tree.error(f'{where}: includes "{inc}", test code of {to.name}: library code '
                           f"never includes test code (list {os.path.basename(p)} in TESTS or "
                           f"move what it needs out of the test file)")
                continue
            if o.kind == "module" and to.name == o.name:
                continue
            if to.name in allowed:
                continue
            if o.kind == "executable":
                tree.error(f'{where}: includes "{inc}" of module {to.name}, which executable '
                           f"{o.name} does not link: add atrium_{to.name} to "
                           f"target_link_libraries({o.name} ...) in {e.cmake}")
            elif o.test:
                tree.error(f'{where}: test of {m.name} includes "{inc}" of module {to.name}, '
                           f"which is in neither DEPS nor TEST_DEPS of {m.name}: add "
                           f"atrium_{to.name} to TEST_DEPS of {m.name} in {m.cmake}")
            else:
                tree.error(f'{where}: includes "{inc}" of module {to.name}, which {m.name} does '
                           f"not declare: add atrium_{to.name} to DEPS of {m.name} in {m.cmake}")


# --- the diagram -----------------------------------------------------------------------------


def layers(tree):
    memo = {}

    def layer(name):
        if name not in memo:
            deps = tree.modules[name].deps
            memo[name] = 1 + max(map(layer, deps)) if deps else 0
        return memo[name]

    for name in tree.modules:
        layer(name)
    return memo


def diagram(tree):
    """A layered text diagram: each module with its direct dependencies (its DEPS), highest
    layer first; a module's layer is one above its highest dependency, so every edge points
    downwards."""
    lay = layers(tree)
    width = 100
    label = {m.name: m.name if m.name == m.folder else f"{m.name} ({m.folder})"
             for m in tree.modules.values()}
    col = max(len(v) for v in label.values()) + 4
    title = "layer  module (folder)".ljust(col + 7)
    out = ["```text", title + "may include (DEPS; + TEST_DEPS for its tests)"]
    for level in sorted(set(lay.values()), reverse=True):
        names = sorted(n for n in lay if lay[n] == level)
        for i, name in enumerate(names):
            m = tree.modules[name]
            words = sorted(m.deps) + [f"+{d}" for d in sorted(m.test_deps)]
            head = (f"{level:>5}  " if i == 0 else " " * 7) + label[name].ljust(col)
            row = head
            for w in words:
                piece = w if row == head else " " + w
                if len(row) + len(piece) > width:
                    out.append(row)
                    row = " " * len(head) + w
                else:
                    row += piece
            out.append(row.rstrip())
    out.append("```")
    return "\n".join(out) + "\n"


def arch_block(text):
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b:
        return None
    return b + len(BEGIN), e


def check_diagram(tree):
    if not tree.fs.exists(ARCH):
        tree.error(f"{ARCH}: missing")
        return
    text = tree.fs.read(ARCH)
    span = arch_block(text)
    if span is None:
        tree.error(f"{ARCH}: no {BEGIN} ... {END} block for the dependency diagram: add the two "
                   f"markers to the dependency rule section, then run {REFRESH}")
    elif text[span[0]:span[1]] != "\n" + diagram(tree):
        tree.error(f"{ARCH}: the dependency diagram is out of date with the CMake module table: "
                   f"run {REFRESH}")


def write_diagram(tree, quiet=False):
    text = tree.fs.read(ARCH) if tree.fs.exists(ARCH) else ""
    span = arch_block(text)
    if span is None:
        print(f"lint: {ARCH}: no {BEGIN} ... {END} block to write the diagram into")
        return 1
    new = text[:span[0]] + "\n" + diagram(tree) + text[span[1]:]
    if new != text:
        tree.fs.write(ARCH, new)
        if not quiet:
            print(f"lint: {ARCH}: dependency diagram refreshed")
    return 0


def check(files):
    """Every violation in a tree (Files), as messages."""
    tree = Tree(files)
    broken = bool(tree.errors)  # the diagram is only compared once the table itself is sound
    if tree.modules:
        check_includes(tree)
        if not broken:
            check_diagram(tree)
    return tree.errors


# --- the check of the checker ----------------------------------------------------------------


def selftest(fixtures):
    """Runs the check on fixtures/clean (must pass) and on each fixtures/cases/<case>: the clean
    tree with the case's files laid over it (and the paths of its remove.txt deleted), whose
    messages must be exactly the lines of its expect.txt."""
    failures = []
    clean = Files.snapshot(os.path.join(fixtures, "clean"))
    got = check(Files(texts=clean.texts))
    if got:
        failures.append("clean tree: expected no message, got:\n  " + "\n  ".join(got))
    cases_dir = os.path.join(fixtures, "cases")
    cases = sorted(os.listdir(cases_dir))
    for case in cases:
        overlay = Files.snapshot(os.path.join(cases_dir, case)).texts

        def lines(name):
            return [l.strip() for l in overlay.pop(name, "").splitlines() if l.strip()]

        expect, remove = lines("expect.txt"), lines("remove.txt")
        work = Files(texts={**clean.texts, **overlay})
        for r in remove:
            del work.texts[r]
        if not expect:
            failures.append(f"{case}: expect.txt lists no message")
            continue
        got = check(work)
        if sorted(got) != sorted(expect):
            missing = [l for l in expect if l not in got]
            extra = [l for l in got if l not in expect]
            failures.append(f"{case}:" + "".join(f"\n  expected: {l}" for l in missing) +
                            "".join(f"\n  got:      {l}" for l in extra))
        if case == "stale_diagram":  # --write-diagram repairs exactly that
            write_diagram(Tree(work), quiet=True)
            if check(work):
                failures.append(f"{case}: still failing after --write-diagram")
    if failures:
        for f in failures:
            print(f"lint: selftest: {f}")
        return 1
    print(f"lint: selftest: clean tree and {len(cases)} violation cases ok")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.dirname(here))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--diagram", action="store_true")
    mode.add_argument("--write-diagram", action="store_true")
    mode.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest(os.path.join(here, "lint_fixtures"))
    if a.diagram or a.write_diagram:
        tree = Tree(Files(a.root))
        if tree.errors:
            for e in tree.errors:
                print(f"lint: {e}")
            return 1
        if a.diagram:
            sys.stdout.write(diagram(tree))
            return 0
        return write_diagram(tree)
    errors = check(Files(a.root))
    for e in errors:
        print(f"lint: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
