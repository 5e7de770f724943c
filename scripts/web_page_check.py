#!/usr/bin/env python3
"""Drives the server's web page in headless Chromium (Debian's chromium + chromium-driver,
through selenium): the model line loads, a title search lists films, rating films updates the
recommendations (fold-in), a known user's list appears, "similar" fills its list, and the
page raised no JavaScript error. Usage: web_page_check.py URL [SCREENSHOT.png] [QUERY] [USER]"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url = sys.argv[1]
screenshot = sys.argv[2] if len(sys.argv) > 2 else None
query = sys.argv[3] if len(sys.argv) > 3 else "film"
user = sys.argv[4] if len(sys.argv) > 4 else "1"

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# The page re-renders lists as answers arrive: a wait retries on a stale element.
wait = WebDriverWait(driver, 15, ignored_exceptions=[StaleElementReferenceException])


def retry(action):
    return wait.until(lambda d: action() or True)

try:
    driver.get(url)
    wait.until(lambda d: d.find_element(By.ID, "model").get_attribute("data-version"))
    model_line = driver.find_element(By.ID, "model").text
    assert "users" in model_line and "version" in model_line, model_line

    box = driver.find_element(By.ID, "search")
    box.send_keys(query)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results li.result")) > 0
               and all(all(word in li.text.lower() for word in query.lower().split())
                       for li in d.find_elements(By.CSS_SELECTOR, "#results li.result")))
    first_result = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results li.result")[0].text.splitlines()[0])
    print(f"search '{query}': first result {first_result}")

    def rate(index, button):
        def click():
            rows = driver.find_elements(By.CSS_SELECTOR, "#results li.result")
            rows[index].find_elements(By.CSS_SELECTOR, "button.rate")[button].click()
        retry(click)

    rate(0, -1)  # the highest rating
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#recommendations li.recommendation")) == 10)
    def items(selector):
        return wait.until(lambda d: [li.get_attribute("data-item") for li in d.find_elements(By.CSS_SELECTOR, selector)])
    first = items("#recommendations li.recommendation")
    rated_item = items("#results li.result")[0]
    assert rated_item not in first, "a rated film must not be recommended"
    note = driver.find_element(By.ID, "session-note").text
    assert "Folded in 1 rating" in note, note
    rate(1, 0)  # the lowest rating: the list should change
    wait.until(lambda d: "Folded in 2 rating" in d.find_element(By.ID, "session-note").text)
    second = items("#recommendations li.recommendation")
    assert second != first, "a second rating should change the recommendations"
    print(f"recommendations after 1 rating: {first[:5]}..., after 2: {second[:5]}...")

    retry(lambda: driver.find_element(By.CSS_SELECTOR, "#results li.result a.similar-link").click())
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#similar li")) > 0 and "Like " in d.find_element(By.ID, "similar-note").text)

    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "lookup").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#user-recommendations li.recommendation")) == 10)
    driver.find_element(By.ID, "user").clear()
    driver.find_element(By.ID, "user").send_keys("no-such-user")
    driver.find_element(By.ID, "lookup").click()
    wait.until(lambda d: "unknown user" in d.find_element(By.ID, "user-note").text)
    driver.find_element(By.ID, "user").clear()
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "lookup").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#user-recommendations li.recommendation")) == 10)

    # The unknown user's 404 is expected; anything else severe (a script error) is not.
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "no-such-user" not in entry["message"]]
    assert not errors, errors
    if screenshot:
        time.sleep(0.3)
        driver.save_screenshot(screenshot)
        print(f"screenshot: {screenshot}")
    print("web page: OK")
finally:
    driver.quit()
