#!/usr/bin/env python3
"""Regenerates number_spelling_cases.json: requests whose params hold numbers, and what jussi
makes of them (issue 12, the side-by-side run against jussi).

jussi reads the body with ujson.loads, builds the URN (= cache key and x-jussi-cache-hit) as
'namespace[.api].method.params=' + ujson.dumps(params, ensure_ascii=False) with the top-level keys
of an object sorted, sends upstream ujson.dumps of {id, jsonrpc, method, params}, and writes
x-jussi-params as reprlib.repr(params). This runs the real ujson 5 (Debian's python3-ujson).
Usage: /usr/bin/python3 make-number-spelling.py > number_spelling_cases.json
"""
import json
import reprlib

import ujson

assert ujson.__version__.split('.')[0] == '5', f'ujson 5 expected, found {ujson.__version__}'

# (source, method, namespace, api, urn method, params text as the client writes it)
CASES = [
    ('issue 12: side-by-side run, floats respelled', 'get_block', 'steemd', 'database_api', 'get_block', '[1E3,1e-7,10.50]'),
    ('issue 12: side-by-side run, floats kept', 'get_block', 'steemd', 'database_api', 'get_block',
     '[1e-5,1e+25,1.5e+300,5e-324,1e-6,123456789012345678]'),
    ('decimal form below 1e16, exponent form from 1e16 and below 1e-4', 'condenser_api.get_x', 'appbase', 'condenser_api', 'get_x',
     '[1e15,1E16,123456789.125,0.0001,0.00009999,9999999999999998.0]'),
    ('zeros and integers', 'condenser_api.get_x', 'appbase', 'condenser_api', 'get_x',
     '[-0,-0.0,0e5,1.0,100.00,12345678901234567890123,-9007199254740993]'),
    ('object params: top-level keys sorted, floats respelled at any depth', 'database_api.find_x', 'appbase', 'database_api', 'find_x',
     '{"z":1.50,"a":-0.0,"m":[1E-4,9.99e-5,{"y":2.50e-10,"b":7E+2}]}'),
    ('padded and signed exponents', 'sbds.get', 'sbds', None, 'get', '[1e-07,1E+02,2.5E-010,1e+0,3e00]'),
    ('shortest round trip, not the client digits', 'sbds.get', 'sbds', None, 'get',
     '[0.30000000000000004,0.1000000000000000055511151231257827,1.7976931348623157e308,2.2250738585072014e-308]'),
    ('call form: the third element is the params', 'call', 'steemd', 'database_api', 'get_x', '["database_api","get_x",[1E3,"a/b"]]'),
]

rows = []
for source, method, namespace, api, urn_method, text in CASES:
    body = f'{{"id":1,"jsonrpc":"2.0","method":"{method}","params":{text}}}'
    params = ujson.loads(text)
    urn_params = params[2] if method == 'call' else params
    if isinstance(urn_params, dict):
        urn_params = dict(sorted(urn_params.items()))
    urn = '.'.join(p for p in (namespace, api, urn_method) if p is not None) + '.params=' + ujson.dumps(urn_params, ensure_ascii=False)
    upstream = ujson.dumps({'id': 1, 'jsonrpc': '2.0', 'method': method, 'params': params}, ensure_ascii=False)
    rows.append({
        'source': source,
        'body': body,
        'urn': urn,
        'upstream_body': upstream,
        'response_headers': {
            'x-jussi-namespace': namespace,
            'x-jussi-api': api if api is not None else '<Empty>',
            'x-jussi-method': urn_method,
            'x-jussi-params': reprlib.repr(urn_params),
            'x-jussi-cache-hit': urn,
        },
    })
print(json.dumps({'generated_by': f'make-number-spelling.py (ujson {ujson.__version__})', 'cases': rows}, indent=1, ensure_ascii=False))
