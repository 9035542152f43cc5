#!/usr/bin/python3
"""The manual pages (man/schedctl.1, man/schedd.8): they lint clean (mandoc -T
lint, else groff's warnings; skipped when neither is installed), they name
every command and option the --help texts name, and cmake --install puts them
under share/man.

usage: /usr/bin/python3 tests/man_pages.py SCHEDCTL SCHEDD BUILD_DIR [unittest args]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SCHEDCTL = SCHEDD = BUILD = None   # set from argv in main
MAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, 'man')
PAGES = {'schedctl.1': 'man1', 'schedd.8': 'man8'}


def page(name):
    with open(os.path.join(MAN, name)) as f:
        return f.read()


def help_text(*args):
    p = subprocess.run(list(args) + ['--help'], capture_output=True, text=True, timeout=10)
    assert (p.returncode, p.stderr) == (0, ''), (args, p.stderr)
    return p.stdout


def long_options(text):
    """The --options a usage text names."""
    return set(re.findall(r'(?<![\w-])--([a-z][a-z-]*)', text)) - {'help'}


class TestManPages(unittest.TestCase):

    def test_lint(self):
        for name in PAGES:
            path = os.path.join(MAN, name)
            with self.subTest(page=name):
                if shutil.which('mandoc'):
                    cmd = ['mandoc', '-T', 'lint', '-W', 'warning', path]
                elif shutil.which('groff'):
                    cmd = ['groff', '-mdoc', '-ww', '-z', '-Tutf8', path]
                else:
                    self.skipTest('neither mandoc nor groff is installed')
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
                self.assertEqual((p.returncode, p.stdout, p.stderr), (0, '', ''),
                                 ' '.join(cmd))

    def test_schedctl_page_names_every_command_and_option(self):
        text = page('schedctl.1')
        usage = help_text(SCHEDCTL)
        commands = re.findall(r'^  ([a-z]+) ', usage.split('commands:\n')[1], re.M)
        self.assertGreaterEqual(len(commands), 15)
        for cmd in commands:
            with self.subTest(command=cmd):
                self.assertRegex(text, r'\n\.It Cm %s\b' % cmd)
                for opt in long_options(help_text(SCHEDCTL, cmd)):
                    self.assertIn('Fl -%s' % opt, text, '%s --%s' % (cmd, opt))
        for opt in long_options(usage):
            self.assertIn('Fl -%s' % opt, text)

    def test_schedd_page_names_every_option(self):
        text = page('schedd.8')
        opts = long_options(help_text(SCHEDD))
        self.assertGreaterEqual(len(opts), 8)
        for opt in opts:
            with self.subTest(option=opt):
                self.assertIn('Fl -%s' % opt, text)

    def test_installed(self):
        prefix = tempfile.mkdtemp(prefix='schedd-man-')
        try:
            p = subprocess.run(['cmake', '--install', BUILD, '--prefix', prefix],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            for name, section in PAGES.items():
                installed = os.path.join(prefix, 'share', 'man', section, name)
                with open(installed) as f:
                    self.assertEqual(f.read(), page(name))
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


def main():
    global SCHEDCTL, SCHEDD, BUILD
    if len(sys.argv) < 4:
        sys.stderr.write('usage: %s SCHEDCTL SCHEDD BUILD_DIR [unittest args]\n' % sys.argv[0])
        return 64
    SCHEDCTL, SCHEDD, BUILD = (os.path.abspath(p) for p in sys.argv[1:4])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)


if __name__ == '__main__':
    sys.exit(main())
