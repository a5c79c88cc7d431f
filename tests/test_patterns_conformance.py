"""Conformance table for the pattern engine, written from AWS's documentation of each operator.

Each MATCH row is (pattern, event, expected); each INVALID row is (pattern, reason fragment, path).
Examples marked "doc" are taken from the EventBridge user guide's pages on patterns, content
filtering and operators; the rest probe the edges those pages state (types, arrays, nulls).
"""

from __future__ import annotations

import pytest

from bridgetwin.patterns import PatternError, check_pattern, compile_pattern

EC2 = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 3.018e2,
        "x-limit": 301.8,
        "source-ip": "10.0.0.123",
        "ipv6": "2001:db8::ff00:42:8329",
        "nullable": None,
        "empty": "",
        "flag": True,
        "tags": ["prod", "web"],
        "numbers": [1, 20, 300],
        "location": {"city": "Seattle"},
        "filename": "dir/file.PNG",
        "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 5}],
    },
}


def event(**detail_overrides):
    """The EC2 example with some detail fields added or replaced."""
    return {**EC2, "detail": {**EC2["detail"], **detail_overrides}}


MATCH = [
    # --- exact matching: JSON types are strict ---------------------------------------------
    ("doc-source", {"source": ["aws.ec2"]}, EC2, True),
    ("source-other", {"source": ["aws.s3"]}, EC2, False),
    ("or-within-list", {"source": ["aws.s3", "aws.ec2"]}, EC2, True),
    ("and-across-fields", {"source": ["aws.ec2"], "detail-type": ["nope"]}, EC2, False),
    ("nested-exact", {"detail": {"state": ["terminated"]}}, EC2, True),
    ("case-sensitive", {"detail": {"state": ["Terminated"]}}, EC2, False),
    ("no-normalization-whitespace", {"detail": {"state": ["terminated "]}}, EC2, False),
    ("string-is-not-number", {"detail": {"c-count": ["5"]}}, EC2, False),
    ("number-is-not-string", {"detail": {"instance-id": [5]}}, EC2, False),
    ("number-exact", {"detail": {"c-count": [5]}}, EC2, True),
    ("number-exact-float-equal", {"detail": {"c-count": [5.0]}}, EC2, True),
    ("number-exponent", {"detail": {"d-count": [301.8]}}, EC2, True),
    ("number-other", {"detail": {"c-count": [6]}}, EC2, False),
    ("true-literal", {"detail": {"flag": [True]}}, EC2, True),
    ("false-literal", {"detail": {"flag": [False]}}, EC2, False),
    ("true-is-not-1", {"detail": {"flag": [1]}}, EC2, False),
    ("1-is-not-true", {"detail": {"c-count": [True]}}, event(**{"c-count": 1}), False),
    ("true-is-not-string", {"detail": {"flag": ["true"]}}, EC2, False),
    ("null-literal", {"detail": {"nullable": [None]}}, EC2, True),
    ("null-is-not-empty", {"detail": {"nullable": [""]}}, EC2, False),
    ("empty-is-not-null", {"detail": {"empty": [None]}}, EC2, False),
    ("empty-string", {"detail": {"empty": [""]}}, EC2, True),
    ("null-does-not-match-missing", {"detail": {"missing": [None]}}, EC2, False),
    ("missing-field", {"detail": {"missing": ["x"]}}, EC2, False),
    ("unmentioned-fields-ignored", {"region": ["us-west-1"]}, EC2, True),
    ("arn-exact", {"resources": [EC2["resources"][0]]}, EC2, True),
    (
        "arn-no-colon-slash-equivalence",
        {"resources": [EC2["resources"][0].replace("/", ":")]},
        EC2,
        False,
    ),
    ("deep-nesting", {"detail": {"location": {"city": ["Seattle"]}}}, EC2, True),
    ("object-is-not-leaf", {"detail": {"location": ["Seattle"]}}, EC2, False),
    # --- arrays in events --------------------------------------------------------------------
    ("array-any-element", {"detail": {"tags": ["web"]}}, EC2, True),
    ("array-no-element", {"detail": {"tags": ["dev"]}}, EC2, False),
    ("array-intersection", {"detail": {"tags": ["dev", "prod"]}}, EC2, True),
    (
        "doc-resources-array",
        {
            "resources": [
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                EC2["resources"][0],
            ]
        },
        EC2,
        True,
    ),
    ("array-number-element", {"detail": {"numbers": [20]}}, EC2, True),
    ("array-of-objects-field", {"detail": {"items": {"sku": ["B"]}}}, EC2, True),
    ("array-of-objects-same-element", {"detail": {"items": {"sku": ["B"], "qty": [5]}}}, EC2, True),
    (
        "array-of-objects-different-elements",
        {"detail": {"items": {"sku": ["A"], "qty": [5]}}},
        EC2,
        False,
    ),
    (
        "array-of-objects-numeric-same-element",
        {"detail": {"items": {"sku": ["A"], "qty": [{"numeric": ["<", 2]}]}}},
        EC2,
        True,
    ),
    ("nested-array-spread", {"detail": {"grid": [3]}}, event(grid=[[1, 2], [3]]), True),
    ("empty-array-has-no-value", {"detail": {"tags": [{"exists": True}]}}, event(tags=[]), False),
    # --- dotted keys -------------------------------------------------------------------------
    ("dotted-key-pattern", {"detail.state": ["terminated"]}, EC2, True),
    ("dotted-key-event", {"detail": {"a": {"b": ["x"]}}}, event(**{"a.b": "x"}), True),
    # --- prefix / suffix ---------------------------------------------------------------------
    ("doc-prefix", {"region": [{"prefix": "us-"}]}, EC2, True),
    ("prefix-miss", {"region": [{"prefix": "eu-"}]}, EC2, False),
    ("prefix-case-sensitive", {"region": [{"prefix": "US-"}]}, EC2, False),
    ("prefix-ignore-case", {"region": [{"prefix": {"equals-ignore-case": "US-"}}]}, EC2, True),
    ("prefix-on-number", {"detail": {"c-count": [{"prefix": "5"}]}}, EC2, False),
    ("prefix-empty-matches-strings", {"detail": {"empty": [{"prefix": ""}]}}, EC2, True),
    ("prefix-on-null", {"detail": {"nullable": [{"prefix": ""}]}}, EC2, False),
    ("prefix-on-array", {"detail": {"tags": [{"prefix": "we"}]}}, EC2, True),
    ("doc-suffix", {"detail": {"filename": [{"suffix": ".PNG"}]}}, EC2, True),
    ("suffix-case-sensitive", {"detail": {"filename": [{"suffix": ".png"}]}}, EC2, False),
    (
        "suffix-ignore-case",
        {"detail": {"filename": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        EC2,
        True,
    ),
    ("suffix-miss", {"detail": {"filename": [{"suffix": ".jpg"}]}}, EC2, False),
    ("suffix-on-number", {"detail": {"c-count": [{"suffix": "5"}]}}, EC2, False),
    # --- equals-ignore-case --------------------------------------------------------------------
    (
        "doc-equals-ignore-case",
        {"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}},
        EC2,
        True,
    ),
    (
        "equals-ignore-case-miss",
        {"detail": {"state": [{"equals-ignore-case": "running"}]}},
        EC2,
        False,
    ),
    (
        "equals-ignore-case-not-prefix",
        {"detail": {"state": [{"equals-ignore-case": "TERM"}]}},
        EC2,
        False,
    ),
    (
        "equals-ignore-case-number",
        {"detail": {"c-count": [{"equals-ignore-case": "5"}]}},
        EC2,
        False,
    ),
    # --- anything-but --------------------------------------------------------------------------
    (
        "doc-anything-but-string",
        {"detail": {"state": [{"anything-but": "initializing"}]}},
        EC2,
        True,
    ),
    (
        "anything-but-string-excluded",
        {"detail": {"state": [{"anything-but": "terminated"}]}},
        EC2,
        False,
    ),
    ("doc-anything-but-number", {"detail": {"c-count": [{"anything-but": 123}]}}, EC2, True),
    ("anything-but-number-excluded", {"detail": {"c-count": [{"anything-but": 5}]}}, EC2, False),
    (
        "anything-but-number-float-excluded",
        {"detail": {"c-count": [{"anything-but": 5.0}]}},
        EC2,
        False,
    ),
    (
        "doc-anything-but-list",
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        EC2,
        True,
    ),
    (
        "anything-but-list-excluded",
        {"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}},
        EC2,
        False,
    ),
    (
        "anything-but-number-list",
        {"detail": {"c-count": [{"anything-but": [100, 200]}]}},
        EC2,
        True,
    ),
    (
        "anything-but-number-list-excluded",
        {"detail": {"c-count": [{"anything-but": [5, 200]}]}},
        EC2,
        False,
    ),
    ("anything-but-needs-field", {"detail": {"missing": [{"anything-but": "x"}]}}, EC2, False),
    ("anything-but-string-vs-number", {"detail": {"c-count": [{"anything-but": "5"}]}}, EC2, True),
    ("anything-but-null-value", {"detail": {"nullable": [{"anything-but": "x"}]}}, EC2, True),
    ("anything-but-array-any-element", {"detail": {"tags": [{"anything-but": "prod"}]}}, EC2, True),
    (
        "anything-but-array-all-excluded",
        {"detail": {"tags": [{"anything-but": ["prod", "web"]}]}},
        EC2,
        False,
    ),
    (
        "doc-anything-but-prefix",
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        EC2,
        True,
    ),
    (
        "anything-but-prefix-excluded",
        {"detail": {"state": [{"anything-but": {"prefix": "term"}}]}},
        EC2,
        False,
    ),
    (
        "anything-but-prefix-list",
        {"detail": {"state": [{"anything-but": {"prefix": ["init", "term"]}}]}},
        EC2,
        False,
    ),
    (
        "doc-anything-but-suffix",
        {"detail": {"filename": [{"anything-but": {"suffix": ".txt"}}]}},
        EC2,
        True,
    ),
    (
        "anything-but-suffix-excluded",
        {"detail": {"filename": [{"anything-but": {"suffix": ".PNG"}}]}},
        EC2,
        False,
    ),
    (
        "anything-but-suffix-list",
        {"detail": {"filename": [{"anything-but": {"suffix": [".txt", ".PNG"]}}]}},
        EC2,
        False,
    ),
    (
        "doc-anything-but-ignore-case",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "Stopped"}}]}},
        EC2,
        True,
    ),
    (
        "anything-but-ignore-case-excluded",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "TERMINATED"}}]}},
        EC2,
        False,
    ),
    (
        "anything-but-ignore-case-list",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["X", "Terminated"]}}]}},
        EC2,
        False,
    ),
    (
        "doc-anything-but-wildcard",
        {"detail": {"filename": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        EC2,
        True,
    ),
    (
        "anything-but-wildcard-excluded",
        {"detail": {"filename": [{"anything-but": {"wildcard": "dir/*"}}]}},
        EC2,
        False,
    ),
    (
        "anything-but-wildcard-list",
        {"detail": {"filename": [{"anything-but": {"wildcard": ["x*", "*.PNG"]}}]}},
        EC2,
        False,
    ),
    # --- numeric -------------------------------------------------------------------------------
    ("doc-numeric-gt", {"detail": {"c-count": [{"numeric": [">", 0]}]}}, EC2, True),
    ("doc-numeric-range", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, EC2, True),
    (
        "numeric-range-upper-exclusive",
        {"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}},
        EC2,
        False,
    ),
    (
        "numeric-range-lower-inclusive",
        {"detail": {"c-count": [{"numeric": [">=", 5, "<", 6]}]}},
        EC2,
        True,
    ),
    (
        "numeric-range-lower-exclusive",
        {"detail": {"c-count": [{"numeric": [">", 5, "<", 6]}]}},
        EC2,
        False,
    ),
    ("doc-numeric-eq-exponent", {"detail": {"d-count": [{"numeric": ["=", 3.018e2]}]}}, EC2, True),
    ("numeric-eq-miss", {"detail": {"d-count": [{"numeric": ["=", 301]}]}}, EC2, False),
    ("doc-numeric-lt", {"detail": {"x-limit": [{"numeric": ["<", 302]}]}}, EC2, True),
    ("numeric-le-boundary", {"detail": {"x-limit": [{"numeric": ["<=", 301.8]}]}}, EC2, True),
    ("numeric-ge", {"detail": {"x-limit": [{"numeric": [">=", 301.9]}]}}, EC2, False),
    ("numeric-negative", {"detail": {"v": [{"numeric": ["<", 0]}]}}, event(v=-1.5), True),
    ("numeric-on-string", {"detail": {"instance-id": [{"numeric": [">", 0]}]}}, EC2, False),
    ("numeric-on-numeric-string", {"detail": {"v": [{"numeric": [">", 0]}]}}, event(v="5"), False),
    ("numeric-on-bool", {"detail": {"flag": [{"numeric": [">", 0]}]}}, EC2, False),
    ("numeric-on-null", {"detail": {"nullable": [{"numeric": [">", -1]}]}}, EC2, False),
    ("numeric-array-element", {"detail": {"numbers": [{"numeric": [">", 250]}]}}, EC2, True),
    ("numeric-array-none", {"detail": {"numbers": [{"numeric": [">", 500]}]}}, EC2, False),
    ("numeric-or-exact", {"detail": {"c-count": [{"numeric": [">", 100]}, 5]}}, EC2, True),
    ("numeric-large", {"detail": {"v": [{"numeric": [">", 4e9]}]}}, event(v=4.5e9), True),
    # --- cidr ------------------------------------------------------------------------------------
    ("doc-cidr", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, EC2, True),
    ("cidr-outside", {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, EC2, False),
    ("cidr-slash-32", {"detail": {"source-ip": [{"cidr": "10.0.0.123/32"}]}}, EC2, True),
    ("cidr-slash-0", {"detail": {"source-ip": [{"cidr": "0.0.0.0/0"}]}}, EC2, True),
    ("cidr-host-bits", {"detail": {"source-ip": [{"cidr": "10.0.0.7/24"}]}}, EC2, True),
    ("doc-cidr-ipv6", {"detail": {"ipv6": [{"cidr": "2001:db8::/64"}]}}, EC2, True),
    ("cidr-ipv6-outside", {"detail": {"ipv6": [{"cidr": "2001:db9::/64"}]}}, EC2, False),
    ("cidr-v4-vs-v6", {"detail": {"ipv6": [{"cidr": "10.0.0.0/8"}]}}, EC2, False),
    ("cidr-non-ip-string", {"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}, EC2, False),
    ("cidr-number", {"detail": {"c-count": [{"cidr": "10.0.0.0/8"}]}}, EC2, False),
    # --- exists ----------------------------------------------------------------------------------
    ("doc-exists-true", {"detail": {"state": [{"exists": True}]}}, EC2, True),
    ("doc-exists-false", {"detail": {"missing": [{"exists": False}]}}, EC2, True),
    ("exists-true-missing", {"detail": {"missing": [{"exists": True}]}}, EC2, False),
    ("exists-false-present", {"detail": {"state": [{"exists": False}]}}, EC2, False),
    ("exists-true-on-object", {"detail": {"location": [{"exists": True}]}}, EC2, False),
    ("exists-false-on-object", {"detail": {"location": [{"exists": False}]}}, EC2, True),
    ("exists-null-is-present", {"detail": {"nullable": [{"exists": True}]}}, EC2, True),
    ("exists-false-null", {"detail": {"nullable": [{"exists": False}]}}, EC2, False),
    ("exists-empty-string", {"detail": {"empty": [{"exists": True}]}}, EC2, True),
    ("exists-array", {"detail": {"tags": [{"exists": True}]}}, EC2, True),
    ("exists-false-missing-parent", {"detail": {"nothing": {"x": [{"exists": False}]}}}, EC2, True),
    ("exists-false-or-value", {"detail": {"state": [{"exists": False}, "terminated"]}}, EC2, True),
    (
        "exists-false-in-array-of-objects",
        {"detail": {"items": {"color": [{"exists": False}]}}},
        EC2,
        True,
    ),
    # --- wildcard -----------------------------------------------------------------------------
    ("doc-wildcard", {"detail": {"filename": [{"wildcard": "dir/*.PNG"}]}}, EC2, True),
    ("wildcard-miss", {"detail": {"filename": [{"wildcard": "dir/*.png"}]}}, EC2, False),
    ("wildcard-star-empty", {"detail": {"filename": [{"wildcard": "dir/file*.PNG"}]}}, EC2, True),
    ("wildcard-whole", {"detail": {"filename": [{"wildcard": "*"}]}}, EC2, True),
    (
        "wildcard-question-literal",
        {"detail": {"filename": [{"wildcard": "dir/file.PN?"}]}},
        EC2,
        False,
    ),
    (
        "wildcard-question-literal-hit",
        {"detail": {"f": [{"wildcard": "a?*"}]}},
        event(f="a?b"),
        True,
    ),
    ("wildcard-escaped-star", {"detail": {"f": [{"wildcard": "a\\*b"}]}}, event(f="a*b"), True),
    (
        "wildcard-escaped-star-literal",
        {"detail": {"f": [{"wildcard": "a\\*b"}]}},
        event(f="axb"),
        False,
    ),
    (
        "wildcard-escaped-backslash",
        {"detail": {"f": [{"wildcard": "a\\\\*"}]}},
        event(f="a\\bc"),
        True,
    ),
    ("wildcard-multi", {"detail": {"f": [{"wildcard": "*/lib/*"}]}}, event(f="usr/lib/x"), True),
    ("wildcard-dot-literal", {"detail": {"f": [{"wildcard": "a.c"}]}}, event(f="abc"), False),
    ("wildcard-newline", {"detail": {"f": [{"wildcard": "a*c"}]}}, event(f="a\nc"), True),
    ("wildcard-number", {"detail": {"c-count": [{"wildcard": "*"}]}}, EC2, False),
    # --- $or ------------------------------------------------------------------------------------
    (
        "doc-or-fields",
        {
            "$or": [
                {"source": ["aws.s3"]},
                {"detail-type": ["EC2 Instance State-change Notification"]},
            ]
        },
        EC2,
        True,
    ),
    ("or-none", {"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["running"]}}]}, EC2, False),
    (
        "or-and-outer",
        {
            "source": ["aws.ec2"],
            "$or": [{"detail": {"c-count": [1]}}, {"detail": {"c-count": [5]}}],
        },
        EC2,
        True,
    ),
    (
        "or-and-outer-fails",
        {"source": ["aws.s3"], "$or": [{"detail": {"c-count": [1]}}, {"detail": {"c-count": [5]}}]},
        EC2,
        False,
    ),
    (
        "or-nested-in-detail",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 100]}]},
                    {"d-count": [{"numeric": ["<", 400]}]},
                ]
            }
        },
        EC2,
        True,
    ),
    (
        "or-nested-or",
        {"$or": [{"source": ["x"]}, {"$or": [{"region": ["y"]}, {"account": ["111122223333"]}]}]},
        EC2,
        True,
    ),
    (
        "doc-or-cloudtrail",
        {
            "detail-type": ["EC2 Instance State-change Notification"],
            "$or": [
                {"source": ["aws.sqs"], "detail": {"state": ["terminated"]}},
                {"source": ["aws.ec2"], "detail": {"state": ["terminated"]}},
            ],
        },
        EC2,
        True,
    ),
    (
        "or-two-groups",
        {
            "$or": [{"source": ["aws.ec2"]}, {"source": ["x"]}],
            "detail": {"$or": [{"state": ["x"]}, {"flag": [True]}]},
        },
        EC2,
        True,
    ),
    ("or-reserved-is-field", {"$or": [{"prefix": "ab"}, {"suffix": "yz"}]}, {"$or": "abc"}, True),
    ("or-reserved-field-miss", {"$or": [{"prefix": "ab"}, {"suffix": "yz"}]}, EC2, False),
]

INVALID = [
    # (id, pattern, reason fragment, path)
    ("not-object", "[]", "Filter is not an object", ""),
    ("malformed-json", '{"source": ', "malformed JSON", ""),
    ("nan", '{"a": [NaN]}', "not a valid JSON number", ""),
    ("leaf-string", {"source": "aws.ec2"}, '"source" must be an object or an array', "source"),
    ("leaf-number", {"detail": {"n": 5}}, '"n" must be an object or an array', "detail.n"),
    ("leaf-null", {"source": None}, "must be an object or an array", "source"),
    ("empty-array", {"source": []}, "Empty arrays are not allowed", "source"),
    ("nested-array", {"source": [["a"]]}, "Match value must be String, number", "source[0]"),
    ("empty-object-in-list", {"source": [{}]}, "Empty objects are not allowed", "source[0]"),
    ("two-keys", {"source": [{"prefix": "a", "suffix": "b"}]}, "Only one key allowed", "source[0]"),
    (
        "unknown-operator",
        {"source": [{"regex": "a.*"}]},
        "Unrecognized match type regex",
        "source[0]",
    ),
    ("unknown-operator-or", {"source": [{"$or": []}]}, "Unrecognized match type $or", "source[0]"),
    (
        "prefix-number",
        {"a": [{"prefix": 5}]},
        "prefix match pattern must be a string",
        "a[0].prefix",
    ),
    (
        "prefix-list",
        {"a": [{"prefix": ["x"]}]},
        "prefix match pattern must be a string",
        "a[0].prefix",
    ),
    (
        "prefix-nested-unknown",
        {"a": [{"prefix": {"wildcard": "x"}}]},
        "Unsupported prefix pattern",
        "a[0].prefix",
    ),
    (
        "prefix-nested-non-string",
        {"a": [{"prefix": {"equals-ignore-case": 1}}]},
        "must be a string",
        "a[0].prefix.equals-ignore-case",
    ),
    (
        "suffix-null",
        {"a": [{"suffix": None}]},
        "suffix match pattern must be a string",
        "a[0].suffix",
    ),
    (
        "suffix-nested-unknown",
        {"a": [{"suffix": {"prefix": "x"}}]},
        "Unsupported suffix pattern",
        "a[0].suffix",
    ),
    (
        "eic-number",
        {"a": [{"equals-ignore-case": 1}]},
        "equals-ignore-case match pattern must be a string",
        "a[0].equals-ignore-case",
    ),
    (
        "ab-bool",
        {"a": [{"anything-but": True}]},
        "Value of anything-but must be an array or single string/number value",
        "a[0].anything-but",
    ),
    (
        "ab-null",
        {"a": [{"anything-but": None}]},
        "Value of anything-but must be",
        "a[0].anything-but",
    ),
    (
        "ab-empty-list",
        {"a": [{"anything-but": []}]},
        "Empty arrays are not allowed",
        "a[0].anything-but",
    ),
    (
        "ab-mixed-list",
        {"a": [{"anything-but": ["a", 1]}]},
        "all values must be strings or all numbers",
        "a[0].anything-but",
    ),
    (
        "ab-null-in-list",
        {"a": [{"anything-but": ["a", None]}]},
        "null is not supported",
        "a[0].anything-but[1]",
    ),
    (
        "ab-bool-in-list",
        {"a": [{"anything-but": [True]}]},
        "bool is not supported",
        "a[0].anything-but[0]",
    ),
    (
        "ab-nested-exists",
        {"a": [{"anything-but": {"exists": True}}]},
        "Unsupported anything-but pattern: exists",
        "a[0].anything-but",
    ),
    (
        "ab-nested-numeric",
        {"a": [{"anything-but": {"numeric": [">", 1]}}]},
        "Unsupported anything-but pattern: numeric",
        "a[0].anything-but",
    ),
    (
        "ab-nested-two-keys",
        {"a": [{"anything-but": {"prefix": "a", "suffix": "b"}}]},
        "Only one key allowed",
        "a[0].anything-but",
    ),
    (
        "ab-prefix-number",
        {"a": [{"anything-but": {"prefix": 1}}]},
        "prefix match pattern must be a string",
        "a[0].anything-but.prefix",
    ),
    (
        "ab-prefix-empty",
        {"a": [{"anything-but": {"prefix": ""}}]},
        "Null prefix not allowed",
        "a[0].anything-but.prefix",
    ),
    (
        "ab-suffix-empty-in-list",
        {"a": [{"anything-but": {"suffix": ["x", ""]}}]},
        "Null suffix not allowed",
        "a[0].anything-but.suffix[1]",
    ),
    (
        "ab-prefix-empty-list",
        {"a": [{"anything-but": {"prefix": []}}]},
        "Empty arrays are not allowed",
        "a[0].anything-but.prefix",
    ),
    (
        "ab-wildcard-double-star",
        {"a": [{"anything-but": {"wildcard": "a**"}}]},
        "Consecutive wildcard characters at pos 2",
        "a[0].anything-but.wildcard",
    ),
    (
        "numeric-not-array",
        {"a": [{"numeric": 5}]},
        "Value of numeric must be an array.",
        "a[0].numeric",
    ),
    ("numeric-empty", {"a": [{"numeric": []}]}, "Empty arrays are not allowed", "a[0].numeric"),
    ("numeric-odd", {"a": [{"numeric": [">"]}]}, "pairs of operator and value", "a[0].numeric"),
    (
        "numeric-too-many",
        {"a": [{"numeric": [">", 0, "<", 5, "=", 3]}]},
        "Too many elements",
        "a[0].numeric",
    ),
    (
        "numeric-bad-op",
        {"a": [{"numeric": ["!=", 5]}]},
        "Unrecognized numeric range operator: !=",
        "a[0].numeric[0]",
    ),
    (
        "numeric-string-value",
        {"a": [{"numeric": [">", "5"]}]},
        "Value of > must be numeric",
        "a[0].numeric[1]",
    ),
    (
        "numeric-bool-value",
        {"a": [{"numeric": ["=", True]}]},
        "Value of = must be numeric",
        "a[0].numeric[1]",
    ),
    (
        "numeric-bottom-eq-top",
        {"a": [{"numeric": [">", 5, "<", 5]}]},
        "Bottom must be less than top",
        "a[0].numeric",
    ),
    (
        "numeric-bottom-gt-top",
        {"a": [{"numeric": [">=", 10, "<=", 1]}]},
        "Bottom must be less than top",
        "a[0].numeric",
    ),
    (
        "numeric-upper-first",
        {"a": [{"numeric": ["<", 10, ">", 1]}]},
        "lower bound (> or >=) must come first",
        "a[0].numeric[2]",
    ),
    ("numeric-two-lower", {"a": [{"numeric": [">", 1, ">", 2]}]}, "lower bound", "a[0].numeric[2]"),
    (
        "numeric-two-upper",
        {"a": [{"numeric": ["<", 1, "<", 2]}]},
        "only one upper bound",
        "a[0].numeric[2]",
    ),
    (
        "numeric-eq-range",
        {"a": [{"numeric": ["=", 1, "<", 2]}]},
        "= cannot be combined",
        "a[0].numeric[0]",
    ),
    ("cidr-number", {"a": [{"cidr": 10}]}, "cidr match pattern must be a string", "a[0].cidr"),
    (
        "cidr-no-slash",
        {"a": [{"cidr": "10.0.0.1"}]},
        "Malformed CIDR, one '/' required",
        "a[0].cidr",
    ),
    (
        "cidr-two-slashes",
        {"a": [{"cidr": "10.0.0.0/8/8"}]},
        "Malformed CIDR, one '/' required",
        "a[0].cidr",
    ),
    (
        "cidr-mask-not-int",
        {"a": [{"cidr": "10.0.0.0/x"}]},
        "mask bits must be an integer",
        "a[0].cidr",
    ),
    (
        "cidr-mask-too-big",
        {"a": [{"cidr": "10.0.0.0/33"}]},
        "mask bits must be between 0 and 32",
        "a[0].cidr",
    ),
    ("cidr-v6-mask-too-big", {"a": [{"cidr": "2001:db8::/129"}]}, "between 0 and 128", "a[0].cidr"),
    (
        "cidr-octet-range",
        {"a": [{"cidr": "10.0.0.256/24"}]},
        "Nonstandard IP address: 10.0.0.256",
        "a[0].cidr",
    ),
    ("cidr-leading-zero", {"a": [{"cidr": "10.0.0.01/24"}]}, "Nonstandard IP address", "a[0].cidr"),
    ("cidr-garbage", {"a": [{"cidr": "hello/24"}]}, "Nonstandard IP address: hello", "a[0].cidr"),
    (
        "exists-string",
        {"a": [{"exists": "true"}]},
        "exists match pattern must be either true or false.",
        "a[0].exists",
    ),
    (
        "exists-number",
        {"a": [{"exists": 1}]},
        "exists match pattern must be either true or false.",
        "a[0].exists",
    ),
    (
        "wildcard-number",
        {"a": [{"wildcard": 1}]},
        "wildcard match pattern must be a string",
        "a[0].wildcard",
    ),
    (
        "wildcard-double-star",
        {"a": [{"wildcard": "a**b"}]},
        "Consecutive wildcard characters at pos 2",
        "a[0].wildcard",
    ),
    (
        "wildcard-bad-escape",
        {"a": [{"wildcard": "a\\b"}]},
        "Invalid escape character at pos 1",
        "a[0].wildcard",
    ),
    (
        "wildcard-trailing-backslash",
        {"a": [{"wildcard": "ab\\"}]},
        "Invalid escape character at pos 2",
        "a[0].wildcard",
    ),
    (
        "wildcard-too-complex",
        {"a": [{"wildcard": "*a" * 60}]},
        "Rule is too complex",
        "a[0].wildcard",
    ),
    ("or-not-array", {"$or": {"a": ["b"]}}, "Value of $or must be an array", "$or"),
    ("or-one-element", {"$or": [{"a": ["b"]}]}, "at least 2 elements", "$or"),
    ("or-non-object", {"$or": [{"a": ["b"]}, "c"]}, "non-empty object", "$or[1]"),
    ("or-empty-object", {"$or": [{"a": ["b"]}, {}]}, "non-empty object", "$or[1]"),
    (
        "or-inner-error",
        {"$or": [{"a": ["b"]}, {"c": [{"numeric": 1}]}]},
        "Value of numeric must be an array.",
        "$or[1].c[0].numeric",
    ),
    (
        "or-too-many",
        {f"f{i}": {"$or": [{"x": [1]}, {"y": [1]}]} for i in range(10)},
        "Too many combinations",
        "",
    ),
    ("too-long", {"source": ["x" * 2100]}, "limit is 2048", ""),
]


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), [r[1:] for r in MATCH], ids=[r[0] for r in MATCH]
)
def test_pattern_matches_like_aws(pattern, event, expected):
    assert compile_pattern(pattern).matches(event) is expected


@pytest.mark.parametrize(
    ("pattern", "reason", "path"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID]
)
def test_pattern_rejected_like_aws(pattern, reason, path):
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert reason in info.value.reason
    assert info.value.path.startswith(path)
    assert str(info.value).startswith("Event pattern is not valid. Reason: ")
    assert check_pattern(pattern) == str(info.value)
