import re
from tests.support.html import signed_in, post_form

def test_x(demo_app):
    c = signed_in(demo_app, "nyncj")
    r = post_form(c, "/applications/new/admission", "/applications/new/admission", {"funding_amount": "3,000元", "clauses-0-content": "y"})
    t = r.get_data(as_text=True)
    print(r.status_code, re.findall(r'class="(?:error|finding[^"]*)"[^>]*>([^<]+)', t), re.findall(r'class="flash[^>]*>([^<]+)', t))
