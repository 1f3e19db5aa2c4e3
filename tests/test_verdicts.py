"""nes2.teaching.verdicts: the page's sentences about runs follow the runs' numbers."""

from nes2.teaching import verdicts

MINE = {
    "style_loss": 0.035,
    "style_loss_photo": 0.44,
    "content_loss": 0.18,
    "seconds_per_image": 20.0,
}
NET = {
    "style_loss": 0.07,
    "style_loss_photo": 0.44,
    "content_loss": 0.5,
    "seconds": 60.0,
    "seconds_per_image": 0.004,
}
BEST = {
    "frechet_distance": 37.5,
    "frechet_noise": 148.0,
    "frechet_real": 0.88,
    "confident_share": 0.38,
    "confident_real": 0.93,
    "classes_covered": 10,
}
SMALL = {
    "frechet_distance": 111.0,
    "frechet_noise": 148.0,
    "confident_share": 0.21,
    "classes_covered": 5,
}


def test_the_stylizer_sentence_says_what_the_losses_show():
    text = verdicts.style_transfer(MINE, NET, "quick")
    assert "o 3 řády rychlejší, ale ve ztrátě obsahu i stylu horší" in text
    assert "(0,07) leží zřetelně mezi fotografií (0,44) a optimalizací (0,035)" in text
    assert "trénink (60 s) trval déle než jedna optimalizace (20 s)" in text
    near_photo = {**NET, "style_loss": 0.40}  # barely stylised: the relation breaks
    assert "neleží zřetelně mezi fotografií" in verdicts.style_transfer(MINE, near_photo, "quick")
    quick_net = {**NET, "seconds": 5.0, "content_loss": 0.1}
    text = verdicts.style_transfer(MINE, quick_net, "quick")
    assert "ve ztrátě stylu horší" in text and "byl kratší než jedna optimalizace" in text
    assert "mezi" in verdicts.style_transfer(
        MINE, NET, "full"
    ) and "zřetelně" not in verdicts.style_transfer(MINE, NET, "full")
    slow = {**NET, "seconds_per_image": 40.0}
    assert verdicts.style_transfer(MINE, slow, "quick").startswith("Síť není rychlejší")
    tenfold = {**NET, "seconds_per_image": 1.0}
    assert verdicts.style_transfer(MINE, tenfold, "quick").startswith("Síť je o 1 řád rychlejší")


def test_the_generation_sentence_names_the_columns_where_the_small_space_is_worse():
    text = verdicts.generation(BEST, SMALL, "quick")
    assert text.startswith("Číslice VAE jsou mnohem blíž skutečným než šum (38 proti 148)")
    assert "jen 38 % z nich (skutečných 93 %)" in text and "ve všech sloupcích" in text
    level = {**SMALL, "classes_covered": 10, "confident_share": 0.5}
    assert "ve sloupcích Fréchetova vzdálenost." in verdicts.generation(BEST, level, "quick")
    near_noise = {**BEST, "frechet_distance": 120.0}  # the relation to noise breaks
    assert "Číslice VAE jsou blíž skutečným než šum" in verdicts.generation(
        near_noise, SMALL, "quick"
    )


def test_vae_digits_no_closer_than_noise_are_said_to_be_so():
    far = {**BEST, "frechet_distance": 150.0}
    assert verdicts.generation(far, SMALL, "quick").startswith("Číslice VAE nejsou blíž skutečným")
