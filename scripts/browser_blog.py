"""Real-browser check of the blog example (examples/blog), run by scripts/browser-blog.sh.

    python browser_blog.py PORT

In headless Chromium, against a blog with an empty database: signs up (the first author),
logs out and back in, writes a post in Markdown, finds it on the home page and on its own
page (rendered), submits the compose form with its hidden `_xsrf` input removed and sees
403, and logs out. Exits non-zero on failure.
"""

import sys
import uuid

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


def fail(message):
    print(f"browser blog: FAILED: {message}")
    sys.exit(1)


def main():
    port = int(sys.argv[1])
    base = f"http://127.0.0.1:{port}"

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        run(driver, base)
    finally:
        driver.quit()


def wait_for(driver, what, condition):
    try:
        WebDriverWait(driver, 10, poll_frequency=0.02).until(condition)
    except TimeoutException:
        fail(f"{what} (within 10 s); at {driver.current_url}: {driver.page_source[:2000]}")


def path_of(driver):
    return "/" + driver.current_url.split("/", 3)[3]


def fill(driver, form_id, fields):
    form = driver.find_element(By.ID, form_id)
    for name, value in fields.items():
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    return form


def submit(driver, form):
    form.find_element(By.CSS_SELECTOR, "[type=submit]").click()


def log_out(driver):
    submit(driver, driver.find_element(By.ID, "sign-out").find_element(By.XPATH, ".."))
    wait_for(driver, "logging out shows 'Sign in'", lambda d: d.find_elements(By.ID, "sign-in"))


def run(driver, base):
    # An empty blog sends a visitor to write the first post, which needs the author,
    # who does not exist yet: the sign-up page.
    driver.get(base + "/")
    wait_for(driver, "an empty blog leads to the sign-up page", lambda d: path_of(d).startswith("/auth/create"))

    # Sign up: logged in at once, on the compose page.
    submit(driver, fill(driver, "create-author", {"email": EMAIL, "name": "Ada", "password": PASSWORD}))
    wait_for(driver, "signing up leads to the compose page", lambda d: path_of(d) == "/compose")
    if "Sign out Ada" not in driver.find_element(By.ID, "sign-out").text:
        fail("after signing up the page does not show 'Sign out Ada'")

    # Log out, then in again.
    log_out(driver)
    driver.get(base + "/auth/login")
    submit(driver, fill(driver, "login", {"email": EMAIL, "password": PASSWORD}))
    wait_for(driver, "logging in shows 'Sign out'", lambda d: d.find_elements(By.ID, "sign-out"))

    # Write a post.
    title = f"Hello from Chromium {uuid.uuid4().hex[:8]}"
    slug = title.lower().replace(" ", "-")
    driver.get(base + "/compose")
    submit(driver, fill(driver, "compose", {"title": title, "markdown": "Some *Markdown* here."}))
    wait_for(driver, f"publishing leads to /entry/{slug}", lambda d: path_of(d) == f"/entry/{slug}")
    if driver.find_element(By.CSS_SELECTOR, ".entry .body em").text != "Markdown":
        fail("the post's Markdown is not rendered (no <em>Markdown</em>)")

    # It is listed on the home page, and its link leads to it.
    driver.get(base + "/")
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, ".entry h1 a") if a.text == title]
    if not links:
        fail(f"the home page does not list {title!r}")
    links[0].click()
    wait_for(driver, "the home page's link leads to the post", lambda d: path_of(d) == f"/entry/{slug}")

    # A form whose XSRF token was taken out is refused with 403, and saves nothing.
    driver.get(base + "/compose")
    form = fill(driver, "compose", {"title": "Forged", "markdown": "No token."})
    removed = driver.execute_script(
        """
        const inputs = arguments[0].querySelectorAll('input[name="_xsrf"]');
        inputs.forEach((input) => input.remove());
        return inputs.length;
        """,
        form,
    )
    if removed != 1:
        fail(f"the compose form had {removed} _xsrf inputs, not 1")
    submit(driver, form)
    wait_for(driver, "the form without its token gets 403", lambda d: "403: Forbidden" in d.title)
    driver.get(base + "/entry/forged")
    if "404: Not Found" not in driver.title:
        fail("the refused form saved a post anyway")

    # Log out: the compose page is out of reach again.
    driver.get(base + "/")
    log_out(driver)
    driver.get(base + "/compose")
    wait_for(driver, "logged out, compose leads to the login page", lambda d: path_of(d).startswith("/auth/login"))

    print(
        "browser blog: signed up, logged out and in, published and found a post, "
        "a form without its XSRF token got 403, logged out"
    )


if __name__ == "__main__":
    main()
