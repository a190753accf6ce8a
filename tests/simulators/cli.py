# -*- coding: utf-8 -*-
# Copyright: (c) 2026, clearip.netsapiens contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line for the simulators (run from the repository root).

    python -m tests.simulators.cli generate --resellers 3 --domains 30 --users 300 --seed 1 -o ds.json
    python -m tests.simulators.cli serve --dataset ds.json [--ns-port 0] [--cip-port 0] [--urls-file path]

``serve`` starts both simulators on 127.0.0.1 (or ``--host``), prints
``{"netsapiens": url, "clearip": url}`` as one JSON line on stdout (and writes the same line to
``--urls-file``), then runs until SIGTERM or SIGINT and exits 0. ``--ns-config`` and
``--cip-config`` take JSON objects passed to the simulators as ``config``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from tests.simulators.dataset import load_dataset, make_dataset, write_dataset


def _json_object(text):
    value = json.loads(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object')
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m tests.simulators.cli', description='NetSapiens and ClearIP simulators')
    commands = parser.add_subparsers(dest='command', required=True)

    generate = commands.add_parser('generate', help='write a deterministic dataset as JSON')
    generate.add_argument('--resellers', type=int, default=3)
    generate.add_argument('--domains', type=int, default=30)
    generate.add_argument('--users', type=int, default=300)
    generate.add_argument('--connections', type=int, default=None, help='default: one per domain')
    generate.add_argument('--system-users', type=int, default=0)
    generate.add_argument('--seed', type=int, default=0)
    generate.add_argument('--existing-service-providers', type=int, default=0)
    generate.add_argument('--existing-groups', type=int, default=0)
    generate.add_argument('--existing-users', type=int, default=0)
    generate.add_argument('--multi-operator', action='store_true', help='the ClearIP account has a blank Operator')
    generate.add_argument('-o', '--output', default='-', help='file to write (default: stdout)')

    serve = commands.add_parser('serve', help='run both simulators until SIGTERM or SIGINT')
    serve.add_argument('--dataset', help='dataset JSON file (default: each simulator\'s built-in test credentials)')
    serve.add_argument('--host', default='127.0.0.1')
    serve.add_argument('--ns-port', type=int, default=0)
    serve.add_argument('--cip-port', type=int, default=0)
    serve.add_argument('--ns-config', type=_json_object, default=None)
    serve.add_argument('--cip-config', type=_json_object, default=None)
    serve.add_argument('--urls-file')
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
            line = json.dumps({'netsapiens': netsapiens.url, 'clearip': clearip.url})
            if args.urls_file:
                with open(args.urls_file, 'w', encoding='utf-8') as handle:
                    handle.write(line + '\n')
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
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
