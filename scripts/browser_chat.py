"""Real-browser check of examples/chat.rs, run by scripts/browser-chat.sh.

    python browser_chat.py PORT

Opens the chat page in headless Chromium windows until one page's WebSocket landed on
shard 0 and another's on shard 1 (the page stores its `{"shard": n}` greeting in
`window.typhoonShard`), types a unique message on the shard-0 page and waits for it on
the shard-1 page. Exits non-zero on failure.
"""

import sys
import time
import uuid

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

MAX_PAGES = 20


def fail(message):
    print(f"browser chat: FAILED: {message}")
    sys.exit(1)


def main():
    port = int(sys.argv[1])
    url = f"http://127.0.0.1:{port}/"

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        run(driver, url)
    finally:
        driver.quit()


def shard_of(driver):
    """The shard this window's WebSocket landed on (waits up to 10 s for the greeting)."""
    try:
        return WebDriverWait(driver, 10, poll_frequency=0.02).until(
            lambda d: d.execute_script(
                "return window.typhoonShard === undefined ? null : String(window.typhoonShard)"
            )
        )
    except TimeoutException:
        return None


def run(driver, url):
    pages = {}  # shard ("0", "1") -> window handle
    seen = []
    for i in range(MAX_PAGES):
        if i > 0:
            driver.switch_to.new_window("window")
        driver.get(url)
        shard = shard_of(driver)
        seen.append(shard)
        if shard is None:
            fail(f"page {i + 1} never received its {{\"shard\": n}} greeting")
        if shard in ("0", "1") and shard not in pages:
            pages[shard] = driver.current_window_handle
            if len(pages) == 2:
                break
        else:
            driver.close()  # an extra page on a shard we already have
            driver.switch_to.window(next(iter(pages.values())))
    if len(pages) < 2:
        fail(f"{MAX_PAGES} pages never covered shards 0 and 1 (their shards: {seen})")

    text = f"hello from shard 0 {uuid.uuid4().hex}"

    # Shard 1's page notes (in its own clock, the same machine's) when the text shows up.
    driver.switch_to.window(pages["1"])
    driver.execute_script(
        """
        const [text] = arguments;
        const inbox = document.getElementById("inbox");
        window.typhoonSeenAt = null;
        new MutationObserver((_, observer) => {
          if (inbox.textContent.includes(text)) {
            window.typhoonSeenAt = Date.now();
            observer.disconnect();
          }
        }).observe(inbox, { childList: true, subtree: true, characterData: true });
        """,
        text,
    )

    driver.switch_to.window(pages["0"])
    box = driver.find_element(By.ID, "message")
    box.send_keys(text)
    sent_at = time.time() * 1000
    box.send_keys(Keys.ENTER)  # submits #messageform

    driver.switch_to.window(pages["1"])
    try:
        WebDriverWait(driver, 10, poll_frequency=0.02).until(
            lambda d: text in d.find_element(By.ID, "inbox").text
        )
    except TimeoutException:
        fail("the message typed on shard 0's page did not reach shard 1's page within 10 s")
    seen_at = driver.execute_script("return window.typhoonSeenAt")
    elapsed = (seen_at if seen_at is not None else time.time() * 1000) - sent_at

    driver.switch_to.window(pages["0"])
    try:
        WebDriverWait(driver, 10, poll_frequency=0.02).until(
            lambda d: text in d.find_element(By.ID, "inbox").text
        )
    except TimeoutException:
        fail("the message did not appear on the page that sent it (shard 0) within 10 s")

    print(
        "browser chat: a message typed on shard 0's page appeared on shard 1's page "
        f"in {elapsed:.0f} ms (and on shard 0's own page; {len(seen)} pages opened, "
        f"their shards: {','.join(seen)})"
    )


if __name__ == "__main__":
    main()
