# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line for the simulators (run from the repository root).

    python -m tests.simulators.cli generate --resellers 3 --domains 30 --users 300 --seed 1 -o ds.json
    python -m tests.simulators.cli serve --dataset ds.json [--ns-port 0] [--cip-port 0] [--urls-file path]
                                         [--config-file config.json] [--rules-file rules.json]

``serve`` starts both simulators on 127.0.0.1 (or ``--host``), writes a ready config.json for them
(the vendor binary's format plus ``clearip.url``, mode 0600; ``--config-file``, default a new file
in the temporary directory) and, when the dataset has dial rules to ClearIP, a rules file for
``clearip.netsapiens.user_id_header`` (``--rules-file``, default next to the config), prints
``{"netsapiens": url, "clearip": url, "config": path, "rules": path or null}`` as one JSON line on
stdout (and writes the same line to ``--urls-file``), then runs until SIGTERM or SIGINT and exits 0.
On stderr, for a person at the terminal, it says where the credentials are and gives commands to paste,
among them the calls that make drift (``DRIFT_HELP``). ``--ns-config`` and ``--cip-config`` take JSON
objects passed to the simulators as ``config``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from tests.simulators.dataset import load_dataset, make_dataset, user_id_header_rules, vendor_config, write_dataset


# serve --help: the admin calls of the NetSapiens simulator that change the platform between two runs, as
# an administrator would, so that the sync and clearip.netsapiens.drift have drift to report (the README's
# "The simulators"; tests/simulators/netsapiens.py has the details).
DRIFT_HELP = '''making drift, between two runs (admin calls to the NetSapiens simulator; not API traffic):
  POST <netsapiens>/_sim/remove       {"resellers": [name], "domains": [name], "users": ["user@domain"]}
                                      removes exactly those records (a domain takes its users, connections and
                                      dial rules; a reseller does not take its domains); 404 names an unknown one
  POST <netsapiens>/_sim/move-domain  {"domain": name, "reseller": name}   gives a domain another reseller
  for example: curl -sS -X POST http://127.0.0.1:PORT/_sim/remove -d '{"users": ["100@a.example"]}'
'''


def _json_object(text):
    value = json.loads(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object')
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m tests.simulators.cli', description='NetSapiens and ClearIP simulators')
    commands = parser.add_subparsers(dest='command', required=True)

    generate = commands.add_parser('generate', help='write a deterministic dataset as JSON')
    generate.add_argument('--resellers', type=int, default=3, help='NetSapiens resellers (default: %(default)s)')
    generate.add_argument('--domains', type=int, default=30,
                          help='NetSapiens domains, spread over the resellers in contiguous blocks (default: %(default)s)')
    generate.add_argument('--users', type=int, default=300,
                          help='ordinary NetSapiens users, spread over the domains (default: %(default)s)')
    generate.add_argument('--connections', type=int, default=None,
                          help='NetSapiens connections (default: one per domain, to the ClearIP SBC)')
    generate.add_argument('--system-users', type=int, default=0,
                          help='extra users whose service code starts with system- (default: %(default)s)')
    generate.add_argument('--seed', type=int, default=0, help='the same seed gives the same dataset (default: %(default)s)')
    generate.add_argument('--existing-service-providers', type=int, default=0, metavar='K',
                          help='ClearIP already holds the Service Providers of the first K resellers (default: %(default)s)')
    generate.add_argument('--existing-groups', type=int, default=0, metavar='K',
                          help='ClearIP already holds the Groups of the first K domains (default: %(default)s)')
    generate.add_argument('--existing-users', type=int, default=0, metavar='K',
                          help='ClearIP already holds the first K users (default: %(default)s)')
    generate.add_argument('--multi-operator', action='store_true', help='the ClearIP account has a blank Operator')
    generate.add_argument('-o', '--output', default='-', help='file to write (default: stdout)')

    serve = commands.add_parser('serve', help='run both simulators until SIGTERM or SIGINT', epilog=DRIFT_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument('--dataset', help='dataset JSON file (default: each simulator\'s built-in test credentials)')
    serve.add_argument('--host', default='127.0.0.1', help='address both simulators listen on (default: %(default)s)')
    serve.add_argument('--ns-port', type=int, default=0, help='NetSapiens simulator port (default: 0, a free port)')
    serve.add_argument('--cip-port', type=int, default=0, help='ClearIP simulator port (default: 0, a free port)')
    serve.add_argument('--ns-config', type=_json_object, default=None, metavar='JSON',
                       help='JSON object of NetSapiens simulator settings, such as \'{"page_cap": 10}\' (see tests/simulators/netsapiens.py)')
    serve.add_argument('--cip-config', type=_json_object, default=None, metavar='JSON',
                       help='JSON object of ClearIP simulator settings (see tests/simulators/clearip.py)')
    serve.add_argument('--urls-file', help='also write the JSON line printed on stdout to this file')
    serve.add_argument('--config-file',
                       help='where to write a config.json for these simulators, mode 0600 (default: a new file in the temporary directory)')
    serve.add_argument('--rules-file',
                       help='where to write subscriber_sync_user_id_header_rules for the dataset\'s dial rules to ClearIP '
                            '(default: next to the config file)')
    return parser


def generate(args):
    existing = {'service_providers': args.existing_service_providers, 'groups': args.existing_groups,
                'users': args.existing_users}
    dataset = make_dataset(resellers=args.resellers, domains=args.domains, users=args.users,
                           connections=args.connections, seed=args.seed, system_users=args.system_users,
                           clearip_existing=existing if any(existing.values()) else None,
                           multi_operator=args.multi_operator)
    if args.output == '-':
        json.dump(dataset, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write('\n')
    else:
        write_dataset(args.output, dataset)
    return 0


def _write_private(path, data):
    """Write ``data`` as JSON to ``path`` with mode 0600 from the start (it holds the simulators' passwords)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)   # an existing file keeps its mode otherwise
    with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write('\n')
    return os.path.abspath(path)


def simulator_credentials(dataset):
    """The dataset, or, without one, the credentials the simulators accept by default (a minimal dataset)."""
    if dataset is not None:
        return dataset
    from tests.simulators import dataset as defaults
    return {'netsapiens': {'oauth_clients': [{'client_id': defaults.NS_CLIENT_ID, 'client_secret': defaults.NS_CLIENT_SECRET}],
                           'api_users': [{'username': defaults.NS_USERNAME, 'password': defaults.NS_PASSWORD}]},
            'clearip': {'accounts': [{'email': defaults.CIP_EMAIL, 'password': defaults.CIP_PASSWORD}]}}


def write_client_files(args, dataset, netsapiens_url, clearip_url):
    """Write the config.json (and, when the dataset has ClearIP dial rules, the rules file); return both paths."""
    config_path = args.config_file
    if not config_path:
        descriptor, config_path = tempfile.mkstemp(prefix='clearip-sim-config.', suffix='.json')
        os.close(descriptor)
    config_path = _write_private(config_path, vendor_config(simulator_credentials(dataset), netsapiens_url, clearip_url))
    rules = user_id_header_rules(dataset) if dataset else []
    rules_path = None
    if rules:
        rules_path = args.rules_file or os.path.join(os.path.dirname(config_path),
                                                     os.path.basename(config_path).replace('config', 'rules', 1)
                                                     if 'config' in os.path.basename(config_path) else 'rules.json')
        rules_path = _write_private(rules_path, {'subscriber_sync_user_id_header_rules': rules})
    return config_path, rules_path


def guide(dataset, dataset_path, netsapiens_url, clearip_url, config_path, rules_path):
    """What ``serve`` tells a person at the terminal: where the credentials are, commands to paste (with
    ``-i localhost,``, which spares ansible-core's two inventory warnings), and how to make drift."""
    lines = ['NetSapiens simulator: %s' % netsapiens_url, 'ClearIP simulator:    %s' % clearip_url,
             'Credentials of both (the NetSapiens OAuth2 client and API user, the ClearIP account): in %s, a config.json '
             'in the vendor format (mode 0600)%s.' % (config_path, '; the dataset %s holds them too' % dataset_path if dataset_path else ''),
             'Try, in another terminal:',
             '  ansible-playbook -i localhost, clearip.netsapiens.sync -e @%s --check' % config_path,
             '  ansible-playbook -i localhost, clearip.netsapiens.sync -e @%s -e subscriber_sync_report_path=report.json' % config_path]
    if rules_path:
        lines.append('  ansible-playbook -i localhost, clearip.netsapiens.user_id_header -e @%s -e @%s --check --diff'
                     % (config_path, rules_path))
    ns = (dataset or {}).get('netsapiens') or {}
    if ns.get('users') and ns.get('domains') and len(ns.get('resellers') or []) > 1:
        user, domain = ns['users'][0], ns['domains'][0]
        other = [r['reseller'] for r in ns['resellers'] if r['reseller'] != domain['reseller']][0]
        lines.extend([
            'After a sync, make drift in NetSapiens (remove records, move a domain; README "The simulators"), then see it:',
            "  curl -sS -X POST %s/_sim/remove -d '%s'" % (netsapiens_url, json.dumps({'users': ['%s@%s' % (user['user'], user['domain'])]})),
            "  curl -sS -X POST %s/_sim/move-domain -d '%s'" % (netsapiens_url, json.dumps({'domain': domain['domain'], 'reseller': other})),
            '  ansible-playbook -i localhost, clearip.netsapiens.drift -e @%s' % config_path])
    return '\n'.join(lines) + '\n'


def serve(args):
    # Imported here so that ``generate`` works even while a simulator module is broken.
    from tests.simulators.clearip import ClearIPSimulator
    from tests.simulators.netsapiens import NetSapiensSimulator

    dataset = load_dataset(args.dataset) if args.dataset else None
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    netsapiens = NetSapiensSimulator(dataset=dataset, host=args.host, port=args.ns_port, config=args.ns_config).start()
    try:
        clearip = ClearIPSimulator(dataset=dataset, host=args.host, port=args.cip_port, config=args.cip_config).start()
        try:
            config_path, rules_path = write_client_files(args, dataset, netsapiens.url, clearip.url)
            line = json.dumps({'netsapiens': netsapiens.url, 'clearip': clearip.url, 'config': config_path, 'rules': rules_path})
            if args.urls_file:
                with open(args.urls_file, 'w', encoding='utf-8') as handle:
                    handle.write(line + '\n')
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
            # For a person at the terminal; stdout stays one JSON line for scripts.
            sys.stderr.write(guide(dataset, args.dataset, netsapiens.url, clearip.url, config_path, rules_path))
            sys.stderr.flush()
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
        finally:
            clearip.stop()
    finally:
        netsapiens.stop()
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == 'generate':
        try:
            return generate(args)
        except ValueError as ex:
            parser.error(str(ex))
    return serve(args)


if __name__ == '__main__':
    sys.exit(main())
