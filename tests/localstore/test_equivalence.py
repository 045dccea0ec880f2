"""The local store's patched moto answers every call exactly as stock moto does.

Each test runs one scenario twice, on stock moto and on patched moto
(``ops.localstore.dynamodb``), and compares the answers call by call."""
from __future__ import annotations

import random

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from tests.localstore.support import REGION, Recorder, assert_same, both, moto_dynamodb

TABLE = "t"


def s(v: str) -> dict:
    return {"S": v}


def create_tables(call: Recorder) -> None:
    call("create", "create_table", TableName=TABLE, BillingMode="PAY_PER_REQUEST",
         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
         AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                               (("pk", "S"), ("sk", "S"), ("g1pk", "S"), ("g1sk", "S"), ("g2pk", "S"),
                                ("g3pk", "S"), ("g3n", "N"))],
         GlobalSecondaryIndexes=[
             {"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
              "KeySchema": [{"AttributeName": "g1pk", "KeyType": "HASH"},
                            {"AttributeName": "g1sk", "KeyType": "RANGE"}]},
             {"IndexName": "gsi2", "Projection": {"ProjectionType": "KEYS_ONLY"},
              "KeySchema": [{"AttributeName": "g2pk", "KeyType": "HASH"}]},
             {"IndexName": "gsi3", "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]},
              "KeySchema": [{"AttributeName": "g3pk", "KeyType": "HASH"},
                            {"AttributeName": "g3n", "KeyType": "RANGE"}]},
         ])
    call("create single", "create_table", TableName="single", BillingMode="PAY_PER_REQUEST",
         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def item(rng: random.Random, p: int, i: int) -> dict:
    attrs = {"pk": s(f"p{p}"), "sk": s(f"s{i:03d}"), "n": {"N": str(rng.randint(-50, 50))},
             "body": s("x" * rng.randint(1, 40)), "tag": s(rng.choice("abc"))}
    if rng.random() < 0.8:  # some items are not in gsi1 at all, some lack only the sort key
        attrs["g1pk"] = s(f"g{rng.randint(0, 3)}")
        if rng.random() < 0.85:
            attrs["g1sk"] = s(f"k{rng.randint(0, 20):02d}")  # ties: ordered by the table keys
    if rng.random() < 0.5:
        attrs["g2pk"] = s(rng.choice(["red", "blue"]))
    if rng.random() < 0.7:
        attrs["g3pk"] = s("all")
        attrs["g3n"] = {"N": rng.choice(["-3", "2.5", "10", "9", "100", "-0.5", "7"]) + str(rng.randint(0, 9))}
    return attrs


def load(call: Recorder, seed: int = 7) -> None:
    rng = random.Random(seed)
    items = [item(rng, p, i) for p in range(5) for i in rng.sample(range(200), 40)]
    for start in range(0, len(items), 25):
        call(f"batch {start}", "batch_write_item",
             RequestItems={TABLE: [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]})
    for i in range(5):
        call(f"single {i}", "put_item", TableName="single", Item={"id": s(f"i{i}"), "v": {"N": str(i)}})


def loaded(call: Recorder) -> None:
    create_tables(call)
    load(call)


def pages(call: Recorder, label: str, **params) -> None:
    """Every page of a query, following LastEvaluatedKey."""
    start = None
    for page in range(100):
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = call(f"{label} page {page}", "query", TableName=TABLE, **params, **extra)
        start = answer.get("LastEvaluatedKey")
        if not start:
            return
    raise AssertionError(f"{label}: more than 100 pages")


def queries(call: Recorder) -> None:
    for forward in (True, False):
        f = f"forward={forward}"
        pk = dict(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p1")},
                  ScanIndexForward=forward)
        call(f"pk {f}", "query", TableName=TABLE, **pk)
        pages(call, f"pk limit 7 {f}", Limit=7, **pk)
        pages(call, f"pk limit+filter {f}", Limit=6, FilterExpression="tag = :t",
              KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p2"), ":t": s("a")},
              ScanIndexForward=forward)
        pages(call, f"pk begins_with {f}", Limit=5, ScanIndexForward=forward,
              KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
              ExpressionAttributeValues={":p": s("p3"), ":b": s("s1")})
        call(f"pk between {f}", "query", TableName=TABLE, ScanIndexForward=forward,
             KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
             ExpressionAttributeValues={":p": s("p0"), ":a": s("s050"), ":b": s("s150")})
        call(f"pk projection {f}", "query", TableName=TABLE, ProjectionExpression="sk, #n",
             ExpressionAttributeNames={"#n": "n"}, Limit=10, ScanIndexForward=forward,
             KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p4")})
        call(f"pk count {f}", "query", TableName=TABLE, Select="COUNT", ScanIndexForward=forward,
             KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p4")})
        for g in ("g0", "g1", "g3"):
            pages(call, f"gsi1 {g} limit 9 {f}", IndexName="gsi1", Limit=9, ScanIndexForward=forward,
                  KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": s(g)})
        for op in ("=", "<", "<=", ">", ">="):
            pages(call, f"pk sk {op} {f}", Limit=6, ScanIndexForward=forward,
                  KeyConditionExpression=f"pk = :p AND sk {op} :v",
                  ExpressionAttributeValues={":p": s("p1"), ":v": s("s100")})
            pages(call, f"gsi3 number {op} {f}", IndexName="gsi3", Limit=5, ScanIndexForward=forward,
                  KeyConditionExpression=f"g3pk = :g AND g3n {op} :v",
                  ExpressionAttributeValues={":g": s("all"), ":v": {"N": "95"}})
        pages(call, f"gsi3 number between {f}", IndexName="gsi3", Limit=5, ScanIndexForward=forward,
              KeyConditionExpression="g3pk = :g AND g3n BETWEEN :a AND :b",
              ExpressionAttributeValues={":g": s("all"), ":a": {"N": "-30"}, ":b": {"N": "25"}})
        pages(call, f"gsi1 begins_with {f}", IndexName="gsi1", Limit=3, ScanIndexForward=forward,
              KeyConditionExpression="g1pk = :g AND begins_with(g1sk, :k)",
              ExpressionAttributeValues={":g": s("g1"), ":k": s("k1")})
        pages(call, f"gsi1 between {f}", IndexName="gsi1", Limit=3, ScanIndexForward=forward,
              KeyConditionExpression="g1pk = :g AND g1sk BETWEEN :a AND :b",
              ExpressionAttributeValues={":g": s("g0"), ":a": s("k05"), ":b": s("k12")})
        pages(call, f"pk begins_with + filter {f}", Limit=4, ScanIndexForward=forward, FilterExpression="tag = :t",
              KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
              ExpressionAttributeValues={":p": s("p2"), ":b": s("s1"), ":t": s("b")})
        call(f"pk between reversed bounds {f}", "query", TableName=TABLE, ScanIndexForward=forward,
             KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
             ExpressionAttributeValues={":p": s("p0"), ":a": s("s150"), ":b": s("s050")})
        pages(call, f"gsi1 sk condition {f}", IndexName="gsi1", Limit=4, ScanIndexForward=forward,
              KeyConditionExpression="g1pk = :g AND g1sk > :k",
              ExpressionAttributeValues={":g": s("g2"), ":k": s("k10")})
        pages(call, f"gsi1 filter {f}", IndexName="gsi1", Limit=5, ScanIndexForward=forward,
              FilterExpression="n > :z", KeyConditionExpression="g1pk = :g",
              ExpressionAttributeValues={":g": s("g1"), ":z": {"N": "0"}})
        pages(call, f"gsi2 keys only {f}", IndexName="gsi2", Limit=11, ScanIndexForward=forward,
              KeyConditionExpression="g2pk = :g", ExpressionAttributeValues={":g": s("red")})
        pages(call, f"gsi3 numbers {f}", IndexName="gsi3", Limit=13, ScanIndexForward=forward,
              KeyConditionExpression="g3pk = :g", ExpressionAttributeValues={":g": s("all")})
    call("pk missing partition", "query", TableName=TABLE, KeyConditionExpression="pk = :p",
         ExpressionAttributeValues={":p": s("nope")})
    call("gsi1 missing partition", "query", TableName=TABLE, IndexName="gsi1",
         KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": s("nope")})
    call("single", "query", TableName="single", KeyConditionExpression="id = :i",
         ExpressionAttributeValues={":i": s("i3")})


def build_indexes(call: Recorder) -> None:
    """One query on the table and on each index: the patched store builds an index on the first query
    that needs it, so from here on every write must keep it. (The answers of every query shape on this
    data are compared by ``test_queries_answer_as_stock_moto``.)"""
    call("index pk", "query", TableName=TABLE, Limit=1, KeyConditionExpression="pk = :p",
         ExpressionAttributeValues={":p": s("p1")})
    for name, key, value in (("gsi1", "g1pk", "g0"), ("gsi2", "g2pk", "red"), ("gsi3", "g3pk", "all")):
        call(f"index {name}", "query", TableName=TABLE, IndexName=name, Limit=1,
             KeyConditionExpression=f"{key} = :v", ExpressionAttributeValues={":v": s(value)})


def test_queries_answer_as_stock_moto():
    def scenario(call: Recorder) -> None:
        loaded(call)
        queries(call)

    assert_same(*both(scenario))


def test_queries_after_writes_that_move_items_between_partitions():
    def scenario(call: Recorder) -> None:
        loaded(call)
        build_indexes(call)  # every write below must keep them
        rng = random.Random(3)
        for i in range(60):
            key = {"pk": s(f"p{rng.randint(0, 4)}"), "sk": s(f"s{rng.randint(0, 199):03d}")}
            choice = rng.random()
            if choice < 0.4:
                call(f"update {i}", "update_item", TableName=TABLE, Key=key,
                     UpdateExpression="SET g1pk = :g, g1sk = :k, tag = :t",
                     ExpressionAttributeValues={":g": s(f"g{rng.randint(0, 3)}"),
                                                ":k": s(f"k{rng.randint(0, 20):02d}"), ":t": s("c")})
            elif choice < 0.55:
                call(f"remove {i}", "update_item", TableName=TABLE, Key=key, UpdateExpression="REMOVE g1sk, g3pk")
            elif choice < 0.75:
                call(f"delete {i}", "delete_item", TableName=TABLE, Key=key, ReturnValues="ALL_OLD")
            else:
                call(f"put {i}", "put_item", TableName=TABLE, Item={**item(rng, 9, i), **key})
        call("partiql update", "execute_statement",
             Statement=f"UPDATE \"{TABLE}\" SET g2pk = 'red' WHERE pk = 'p1' AND sk = 's010'")
        queries(call)

    assert_same(*both(scenario))


def test_paging_from_a_start_key_that_is_not_an_item():
    def scenario(call: Recorder) -> None:
        loaded(call)
        for forward in (True, False):
            for sk in ("s0999", "s", "s100", "t"):
                call(f"pk from {sk} {forward}", "query", TableName=TABLE, Limit=4, ScanIndexForward=forward,
                     ExclusiveStartKey={"pk": s("p1"), "sk": s(sk)},
                     KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p1")})
            call(f"gsi1 from a made-up key {forward}", "query", TableName=TABLE, IndexName="gsi1", Limit=4,
                 ExclusiveStartKey={"pk": s("p1"), "sk": s("s100"), "g1pk": s("g0"), "g1sk": s("k07")},
                 ScanIndexForward=forward, KeyConditionExpression="g1pk = :g",
                 ExpressionAttributeValues={":g": s("g0")})

    assert_same(*both(scenario))


def test_foreign_and_malformed_start_keys_are_refused_as_dynamodb_refuses_them():
    """DynamoDB answers ValidationException "The provided starting key is invalid"; stock moto
    raises a TypeError (a 500 from moto_server) or pages from another partition."""
    with moto_dynamodb(patched=True) as client:
        call = Recorder(client)
        loaded(call)
        gsi = call("gsi1 g0", "query", TableName=TABLE, IndexName="gsi1", Limit=5,
                   KeyConditionExpression="g1pk = :g", ExpressionAttributeValues={":g": s("g0")})
        base = call("p1", "query", TableName=TABLE, Limit=5,
                    KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p1")})
        refused = {
            "cursor of another gsi partition": ("gsi1", "g1", gsi["LastEvaluatedKey"]),
            "cursor of another table partition": (None, "p3", base["LastEvaluatedKey"]),
            "base-table cursor on an index": ("gsi1", "g0", base["LastEvaluatedKey"]),
            "index cursor on the base table": (None, "p1", gsi["LastEvaluatedKey"]),
            "missing sort key": (None, "p1", {"pk": s("p1")}),
            "wrong type": (None, "p1", {"pk": s("p1"), "sk": {"N": "5"}}),
            "extra attribute": (None, "p1", {"pk": s("p1"), "sk": s("s100"), "zz": s("1")}),
            "index keys missing": ("gsi1", "g0", {"pk": s("p1"), "sk": s("s100")}),
        }
        for label, (index, partition, start) in refused.items():
            key = ("g1pk" if index else "pk")
            params = {"IndexName": index} if index else {}
            answer = call(label, "query", TableName=TABLE, ExclusiveStartKey=start, Limit=3, **params,
                          KeyConditionExpression=f"{key} = :v", ExpressionAttributeValues={":v": s(partition)})
            assert (answer.get("error"), answer.get("message")) == (
                "ValidationException", "The provided starting key is invalid"), f"{label}: answered {answer}"


def _transaction(call: Recorder, label: str, items: list, **params) -> dict:
    return call(label, "transact_write_items", TransactItems=items, **params)


def test_transactions_commit_cancel_and_roll_back_as_stock_moto():
    def scenario(call: Recorder) -> None:
        loaded(call)
        build_indexes(call)  # the transactions below must keep them, and restore them when cancelled
        key = lambda p, i: {"pk": s(f"p{p}"), "sk": s(f"s{i:03d}")}  # noqa: E731
        existing = call("scan for keys", "scan", TableName=TABLE, Limit=6, ProjectionExpression="pk, sk")["Items"]
        a, b, c, d = existing[:4]
        ok = [
            {"Put": {"TableName": TABLE, "Item": {**key(7, 1), "g1pk": s("g0"), "g1sk": s("k00")},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE, "Key": a, "UpdateExpression": "SET g1pk = :g, g1sk = :k",
                        "ExpressionAttributeValues": {":g": s("g3"), ":k": s("k99")}}},
            {"Delete": {"TableName": TABLE, "Key": b}},
            {"ConditionCheck": {"TableName": TABLE, "Key": c, "ConditionExpression": "attribute_exists(pk)"}},
        ]
        _transaction(call, "4 items", ok)
        cancelled = [
            {"Put": {"TableName": TABLE, "Item": {**key(7, 2), "g1pk": s("g1"), "g1sk": s("k00")}}},
            {"Update": {"TableName": TABLE, "Key": c, "UpdateExpression": "SET g1pk = :g REMOVE g3pk",
                        "ExpressionAttributeValues": {":g": s("g2")}}},
            {"Delete": {"TableName": TABLE, "Key": d}},
            {"Put": {"TableName": TABLE, "Item": {**key(7, 1), "tag": s("again")},
                     "ConditionExpression": "attribute_not_exists(pk)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Update": {"TableName": "single", "Key": {"id": s("i1")}, "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "100"}}}},
        ]
        _transaction(call, "cancelled by a condition", cancelled)
        for k in (a, b, c, d, key(7, 1), key(7, 2)):
            call(f"after cancel get {k}", "get_item", TableName=TABLE, Key=k)
        call("after cancel single", "get_item", TableName="single", Key={"id": s("i1")})
        _transaction(call, "two operations on one item", [
            {"Put": {"TableName": TABLE, "Item": {**key(8, 1)}}},
            {"Delete": {"TableName": TABLE, "Key": key(8, 1)}}])
        call("after duplicate get", "get_item", TableName=TABLE, Key=key(8, 1))
        _transaction(call, "101 items", [{"Put": {"TableName": TABLE, "Item": key(9, i)}} for i in range(101)])
        call("after 101 get", "get_item", TableName=TABLE, Key=key(9, 0))
        _transaction(call, "100 items", [{"Put": {"TableName": TABLE, "Item": {**key(9, i), "g2pk": s("blue")}}}
                                         for i in range(100)])
        _transaction(call, "missing table", [{"Put": {"TableName": "nope", "Item": key(9, 0)}}])
        _transaction(call, "key without range", [{"Delete": {"TableName": TABLE, "Key": {"pk": s("p1")}}}])
        queries(call)
        pages(call, "gsi2 blue after 100", IndexName="gsi2", Limit=30,
              KeyConditionExpression="g2pk = :g", ExpressionAttributeValues={":g": s("blue")})

    assert_same(*both(scenario))


def test_stream_records_of_a_cancelled_transaction_are_dropped_as_by_stock_moto():
    def scenario(call: Recorder) -> None:
        call("create", "create_table", TableName="st", BillingMode="PAY_PER_REQUEST",
             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
             StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        call("put", "put_item", TableName="st", Item={"pk": s("a"), "v": s("1")})
        _transaction(call, "cancelled", [
            {"Put": {"TableName": "st", "Item": {"pk": s("b")}}},
            {"Update": {"TableName": "st", "Key": {"pk": s("a")}, "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": s("2")}}},
            {"ConditionCheck": {"TableName": "st", "Key": {"pk": s("zz")},
                                "ConditionExpression": "attribute_exists(pk)"}}])
        call("get a", "get_item", TableName="st", Key={"pk": s("a")})
        call("get b", "get_item", TableName="st", Key={"pk": s("b")})
        call("describe", "describe_table", TableName="st")
        shard = dynamodb_backends["123456789012"][REGION].tables["st"].stream_shard
        call.answers.append(("stream records", [r.to_json()["eventName"] for r in shard.items]))

    stock, patched = both(scenario)
    for answers in (stock, patched):  # what differs between two runs: times, stream labels and ARNs
        answers[0] = ("create", answers[0][1]["TableDescription"]["TableName"])
        answers[-2] = (answers[-2][0], {"ItemCount": answers[-2][1]["Table"]["ItemCount"]})
    assert_same(stock, patched)


def test_patched_queries_and_transactions_never_walk_or_copy_the_table(monkeypatch):
    """The equivalence above would also hold if the patch fell back to stock moto every time."""
    from ops.localstore import dynamodb as localstore

    def forbidden(*args, **kwargs):
        raise AssertionError("the patched store walked or copied the whole table")

    with moto_dynamodb(patched=True) as client:
        call = Recorder(client)
        loaded(call)
        monkeypatch.setitem(localstore._stock, "all_items", forbidden)
        monkeypatch.setattr(Table, "__deepcopy__", forbidden, raising=False)
        queries(call)
        call("cancelled", "transact_write_items", TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": s("new"), "sk": s("1")}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": s("nope"), "sk": s("1")},
                                "ConditionExpression": "attribute_exists(pk)"}}])
        failures = [(label, a) for label, a in call.answers if "raised" in a or a.get("error") not in
                    (None, "TransactionCanceledException")]
        assert not failures, f"calls that failed on the patched store: {failures[:3]}"
        assert client.get_item(TableName=TABLE, Key={"pk": s("new"), "sk": s("1")}).get("Item") is None, \
            "the cancelled transaction's put was not rolled back"
        monkeypatch.undo()  # before the store is reverted


def test_read_answers_have_the_bodies_moto_serialises(monkeypatch):
    """The JSON-encoded reads (Query, Scan, GetItem, BatchGetItem) against moto's serializer, body for body,
    over every attribute type."""
    import json

    from moto.dynamodb import responses

    from ops.localstore import dynamodb as localstore

    compared, differences = [], []  # an assertion inside moto would become an error answer: kept for later
    with moto_dynamodb(patched=True) as client:
        patched = responses.DynamoHandler.serialized

        def both_ways(handler, result):
            fast = patched(handler, result)
            slow = localstore._stock["serialized"](handler, result)
            action = handler._get_action()
            if action in localstore.JSON_READS and not isinstance(result.result, Exception):
                compared.append(action)
                fast_body, slow_body = json.loads(fast[2]), json.loads(slow[2])
                capacity = [[type(c.get("CapacityUnits")) for c in body.get("ConsumedCapacity", [])]
                            for body in (fast_body, slow_body)]
                if not localstore.json_read(handler, result) or (fast[0], fast_body) != (slow[0], slow_body) \
                        or fast[1].get("Content-Type") != slow[1].get("Content-Type") or capacity[0] != capacity[1]:
                    differences.append((action, fast, slow))
            return fast

        monkeypatch.setattr(responses.DynamoHandler, "serialized", both_ways)
        call = Recorder(client)
        loaded(call)
        call("put every type", "put_item", TableName=TABLE, Item={
            "pk": s("types"), "sk": s("1"), "b": {"B": b"\x00\x01hi"}, "n": {"N": "1.50"},
            "l": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}, "m": {"M": {"k": {"SS": ["a", "b"]}}},
            "bs": {"BS": [b"ab"]}, "ns": {"NS": ["1", "2.5"]}})
        queries(call)
        call("get", "get_item", TableName=TABLE, Key={"pk": s("types"), "sk": s("1")})
        call("get missing", "get_item", TableName=TABLE, Key={"pk": s("none"), "sk": s("1")})
        call("batch get", "batch_get_item", RequestItems={TABLE: {"Keys": [
            {"pk": s("types"), "sk": s("1")}, {"pk": s("p1"), "sk": s("s100")}]}}, ReturnConsumedCapacity="TOTAL")
        call("batch get, capacity by default", "batch_get_item", RequestItems={TABLE: {"Keys": [
            {"pk": s("p1"), "sk": s("s100")}, {"pk": s("p2"), "sk": s("s101")}]}})
        call("scan", "scan", TableName=TABLE, Limit=7, ReturnConsumedCapacity="INDEXES")
        call("scan count", "scan", TableName=TABLE, Select="COUNT")
        call("query capacity", "query", TableName=TABLE, KeyConditionExpression="pk = :p",
             ExpressionAttributeValues={":p": s("p1")}, ReturnConsumedCapacity="TOTAL")
        monkeypatch.undo()
    assert not differences, f"{len(differences)} answers differ from moto's serializer, first: {differences[0]}"
    assert set(compared) == set(localstore.JSON_READS), f"not compared: {set(localstore.JSON_READS) - set(compared)}"
    assert all("error" not in answer for _, answer in call.answers), "a call failed"
