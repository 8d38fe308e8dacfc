def test_catalogue_lists_bundled_courses(client, courses):
    page = client.get("/").get_data(as_text=True)
    assert "SPBE-101" in page and "KAM-201" in page and "DUK-201" in page
