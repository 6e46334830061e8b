"""The demonstration catalogue: everyday UK groceries, toiletries and baby goods, each with a
made-up barcode (the demo's and the benchmarks')."""

from __future__ import annotations

from supermarket.stock.barcodes import check_digit

# sku, name, category, band, grams, shelf price (pence), minimum level or None
CATALOGUE: tuple[tuple[str, str, str, str, int, int, int | None], ...] = (
    ("BEANS-415", "Baked beans in tomato sauce 415g", "ambient", "blue", 415, 75, 24),
    ("TOM-CHOP-400", "Chopped tomatoes 400g", "ambient", "blue", 400, 49, 24),
    ("SOUP-TOM-400", "Cream of tomato soup 400g", "ambient", "blue", 400, 85, None),
    ("SOUP-VEG-400", "Vegetable soup 400g", "ambient", "blue", 400, 80, None),
    ("TUNA-145", "Tuna chunks in brine 145g", "ambient", "red", 145, 105, 12),
    ("CHICK-CURRY-400", "Chicken curry 400g tin", "ambient", "red", 400, 175, None),
    ("CORNBEEF-340", "Corned beef 340g", "ambient", "red", 340, 275, None),
    ("CHICKPEA-400", "Chickpeas in water 400g", "ambient", "blue", 400, 55, None),
    ("SWEETCORN-326", "Sweetcorn 326g", "ambient", "blue", 326, 59, None),
    ("PEACH-410", "Peach slices in juice 410g", "ambient", "blue", 410, 70, None),
    ("RICEPUD-400", "Creamed rice pudding 400g", "ambient", "blue", 400, 65, None),
    ("PASTA-FUS-500", "Fusilli pasta 500g", "ambient", "blue", 500, 75, 20),
    ("PASTA-SPAG-500", "Spaghetti 500g", "ambient", "blue", 500, 70, None),
    ("RICE-LG-1K", "Long grain rice 1kg", "ambient", "blue", 1000, 115, 10),
    ("PASTA-SAUCE-500", "Tomato and herb pasta sauce 500g", "ambient", "blue", 500, 99, None),
    ("NOODLE-CHK", "Instant noodles, chicken 70g", "ambient", "blue", 70, 35, None),
    ("CEREAL-CORN-500", "Cornflakes 500g", "ambient", "red", 500, 139, None),
    ("CEREAL-WHEAT-24", "Wheat biscuits, 24 pack", "ambient", "red", 430, 179, 6),
    ("PORRIDGE-1K", "Porridge oats 1kg", "ambient", "blue", 1000, 99, 8),
    ("TEA-80", "Tea bags, 80 pack", "ambient", "red", 250, 129, None),
    ("COFFEE-100", "Instant coffee 100g", "ambient", "red", 100, 249, None),
    ("UHT-MILK-1L", "UHT semi-skimmed milk 1 litre", "ambient", "blue", 1030, 95, 12),
    ("JAM-454", "Strawberry jam 454g", "ambient", "blue", 454, 89, None),
    ("PB-340", "Smooth peanut butter 340g", "ambient", "blue", 340, 125, None),
    ("BISC-DIG-400", "Digestive biscuits 400g", "ambient", "blue", 400, 69, None),
    ("OIL-VEG-1L", "Vegetable oil 1 litre", "ambient", "red", 920, 175, None),
    ("SUGAR-1K", "Granulated sugar 1kg", "ambient", "blue", 1000, 109, None),
    ("YOG-STRAW-4", "Strawberry yoghurts, 4 x 125g", "chilled", "blue", 500, 95, None),
    ("YOG-NAT-500", "Natural yoghurt 500g", "chilled", "blue", 500, 85, None),
    ("MILK-SS-2PT", "Semi-skimmed milk 2 pints", "chilled", "blue", 1136, 125, None),
    ("CHEESE-CHED-400", "Mild cheddar 400g", "chilled", "red", 400, 299, None),
    ("HAM-SLICED-125", "Sliced ham 125g", "chilled", "red", 125, 119, None),
    ("SAUS-PORK-8", "Pork sausages, 8 pack", "chilled", "red", 454, 169, None),
    ("BUTTER-250", "Spreadable butter 250g", "chilled", "blue", 250, 185, None),
    ("HUMMUS-200", "Houmous 200g", "chilled", "blue", 200, 75, None),
    ("PEAS-FZ-900", "Frozen garden peas 900g", "frozen", "blue", 900, 109, None),
    ("CHIPS-FZ-1K", "Oven chips 1kg", "frozen", "blue", 1000, 125, None),
    ("FISHFING-10", "Fish fingers, 10 pack", "frozen", "red", 250, 159, None),
    ("MINCE-VEG-FZ-500", "Meat-free mince, frozen 500g", "frozen", "red", 500, 199, None),
    ("APPLES-6", "Apples, bag of 6", "fresh_produce", "free", 800, 99, None),
    ("BANANAS-5", "Bananas, bunch of 5", "fresh_produce", "free", 900, 89, None),
    ("POTATO-2K", "White potatoes 2kg", "fresh_produce", "free", 2000, 99, None),
    ("CARROTS-1K", "Carrots 1kg", "fresh_produce", "free", 1000, 49, None),
    ("ONIONS-1K", "Brown onions 1kg", "fresh_produce", "free", 1000, 69, None),
    ("SALAD-BAG", "Mixed salad bag 120g", "fresh_produce", "free", 120, 65, None),
    ("BREAD-WH-800", "White sliced bread 800g", "bakery", "free", 800, 75, None),
    ("BREAD-WM-800", "Wholemeal bread 800g", "bakery", "free", 800, 75, None),
    ("ROLLS-6", "White rolls, 6 pack", "bakery", "free", 330, 59, None),
    ("CROISS-4", "Croissants, 4 pack", "bakery", "free", 180, 99, None),
    ("LOO-ROLL-9", "Toilet tissue, 9 rolls", "household", "red", 900, 399, 6),
    ("WASHUP-433", "Washing-up liquid 433ml", "household", "blue", 450, 65, None),
    ("LAUNDRY-POD-20", "Laundry capsules, 20 pack", "household", "red", 500, 350, None),
    ("TOOTHPASTE-100", "Fluoride toothpaste 100ml", "toiletries", "blue", 130, 99, None),
    ("SHAMPOO-400", "Shampoo 400ml", "toiletries", "blue", 420, 125, None),
    ("SHOWER-250", "Shower gel 250ml", "toiletries", "blue", 270, 79, None),
    ("DEO-250", "Roll-on deodorant 50ml", "toiletries", "blue", 70, 125, None),
    ("PADS-14", "Sanitary pads, 14 pack", "toiletries", "free", 150, 135, 10),
    ("NAPPY-4-40", "Nappies size 4, 40 pack", "baby", "red", 1200, 450, 4),
    ("NAPPY-5-36", "Nappies size 5, 36 pack", "baby", "red", 1250, 450, 4),
    ("WIPES-80", "Baby wipes, 80 pack", "baby", "blue", 450, 65, None),
    ("BABY-PUREE-120", "Baby fruit purée 120g", "baby", "blue", 120, 85, None),
)


def barcode(index: int) -> str:
    """A valid EAN-13 for the catalogue's index-th product (50 for the UK, then digits)."""
    body = f"50{(60_000_000 + index * 7919) % 10**10:010d}"
    return body + str(check_digit(body))
