from cxpilot.warehouse.connection import counts


def test_fresh_warehouse_has_empty_tables(db):
    assert counts() == {"customers": 0, "interactions": 0, "responses": 0, "transactions": 0}
